package org.e3spark.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.e3spark.kernels.testing.RandomData;
import org.junit.jupiter.api.Test;

class IrrepsTest {

    @Test
    void parsesAndFormatsE3nnStrings() {
        Irreps irreps = Irreps.parse("32x0e + 16x1o+ 8x2e + 1y + 0x3o + 2e");
        assertEquals("32x0e+16x1o+8x2e+1x1o+0x3o+1x2e", irreps.toString());
        assertEquals(irreps, Irreps.parse(irreps.toString()));
        assertEquals(32 + 48 + 40 + 3 + 0 + 5, irreps.dim());
        assertEquals(6, irreps.size());
        assertEquals(new Irrep(1, -1), irreps.get(3).irrep(), "'1y' is natural parity: odd");
        assertEquals(0, Irreps.parse("").dim());
    }

    @Test
    void blockOffsetsAreCumulativeDimensions() {
        Irreps irreps = Irreps.parse("2x0e+3x1o+1x2e");
        assertEquals(0, irreps.offset(0));
        assertEquals(2, irreps.offset(1));
        assertEquals(11, irreps.offset(2));
        assertEquals(16, irreps.dim());
        // element (u=2, m index 1) of block 1
        assertEquals(2 + 2 * 3 + 1, irreps.index(Layout.MUL_IR, 1, 2, 1));
        assertEquals(2 + 1 * 3 + 2, irreps.index(Layout.IR_MUL, 1, 2, 1));
    }

    @Test
    void errorsNameTheBadTerm() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Irreps.parse("8x0e + 4x1q"));
        assertTrue(e.getMessage().contains("term 2") && e.getMessage().contains("4x1q"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Irreps.parse("8x0e + ax1o"));
        assertTrue(e.getMessage().contains("'ax1o'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Irreps.parse("8x0e ++ 1o"));
        assertTrue(e.getMessage().contains("term 2 is empty"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Irreps.parse("-1x0e"));
        assertTrue(e.getMessage().contains(">= 0"), e.getMessage());
    }

    @Test
    void layoutConversionRoundTripsAndMovesElements() {
        Irreps irreps = Irreps.parse("3x0e+2x1o+2x2e");
        Random rng = new Random(7);
        int rows = 5;
        double[] mulIr = RandomData.normal(rng, rows * irreps.dim());
        double[] irMul = new double[mulIr.length];
        irreps.convertLayout(mulIr, Layout.MUL_IR, irMul, Layout.IR_MUL, rows);
        // block 1 (2x1o) starts at 3: mul_ir (u=1, m=0) is 3+3; ir_mul puts it at 3 + 0*2 + 1
        assertEquals(mulIr[4 * irreps.dim() + 3 + 3], irMul[4 * irreps.dim() + 3 + 1]);
        double[] back = new double[mulIr.length];
        irreps.convertLayout(irMul, Layout.IR_MUL, back, Layout.MUL_IR, rows);
        assertArrayEquals(mulIr, back);
    }

    @Test
    void simplifyMergesNeighboursAndSortIsE3nnOrder() {
        assertEquals("3x0e+1x1o", Irreps.parse("1x0e+2x0e+0x2e+1o").simplify().toString());
        assertEquals("1x0o+1x0e+1x1o+1x2e", Irreps.parse("2e+0e+1o+0o").sorted().toString());
    }
}
