package org.e3spark.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.e3spark.kernels.BackendUnavailableException;
import org.e3spark.kernels.testing.RandomData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** The problem descriptor's contract (names, shapes, sizes, validation) and the engine's argument checks. */
class SymmetricContractionApiTest {

    private static SymmetricContractionProblem.Builder builder(String in, String out) {
        return SymmetricContractionProblem.builder(Irreps.parse(in), Irreps.parse(out));
    }

    private static void assertRejected(Executable e, String... fragments) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        for (String f : fragments) {
            assertTrue(ex.getMessage().contains(f), "message '" + ex.getMessage() + "' lacks '" + f + "'");
        }
    }

    @Test
    void describesMaceShapesNamesAndSizes() {
        SymmetricContractionProblem p = builder("8x0e+8x1o+8x2e+8x3o", "8x0e+8x1o").correlation(3).elements(3).build();
        assertEquals(8, p.channels());
        assertEquals(Irreps.parse("0e+1o+2e+3o"), p.couplingIrreps());
        assertEquals(16, p.couplingDim());
        assertEquals(List.of(Irrep.parse("0e"), Irrep.parse("1o")), p.outputs());
        assertEquals(CgConvention.E3NN, p.convention());
        assertEquals(8 * 16, p.inputDim());
        assertEquals(8 * (1 + 3), p.outputDim());
        assertEquals(8, p.outputOffset(1));
        assertEquals(List.of("contractions.0.weights_max", "contractions.0.weights.0", "contractions.0.weights.1",
                "contractions.1.weights_max", "contractions.1.weights.0", "contractions.1.weights.1"), p.weightNames());
        // MACE's num_params, as the golden state dict holds them
        assertArrayEquals(new int[] {3, 23, 8}, p.weightShape("contractions.0.weights_max"));
        assertArrayEquals(new int[] {3, 4, 8}, p.weightShape("contractions.0.weights.0"));
        assertArrayEquals(new int[] {3, 1, 8}, p.weightShape("contractions.0.weights.1"));
        assertArrayEquals(new int[] {3, 51, 8}, p.weightShape("contractions.1.weights_max"));
        assertEquals(2, p.weightOrder("contractions.1.weights.0"));
        assertEquals(1, p.weightOutput("contractions.1.weights.0"));
        int total = 0;
        for (String name : p.weightNames()) {
            assertEquals(total, p.weightOffset(name), name + " offset");
            int[] s = p.weightShape(name);
            total += s[0] * s[1] * s[2];
        }
        assertEquals(total, p.weightNumel());
        assertArrayEquals(new int[] {16, 16, 16, 23}, p.basisShape(0, 3));
        assertArrayEquals(new int[] {3, 16, 1}, p.basisShape(1, 1));
        assertEquals("contractions.1.U_matrix_2", p.basisName(1, 2));
        assertEquals(3 * 16 * 16 * 6, p.basis(1, 2).length);
        assertRejected(() -> p.weightShape("contractions.2.weights_max"), "contractions.2.weights_max");
        assertRejected(() -> p.basis(2, 1), "outputIrrep", "2");
        assertRejected(() -> p.basis(0, 4), "nu", "4");
    }

    @Test
    void unreachableOrdersGetMacesSingleZeroColumn() {
        // 1e is reached at order 2 (1o x 1o) and 3, not at order 1: MACE keeps one all-zero column there
        SymmetricContractionProblem p = builder("4x0e+4x1o", "4x1e").correlation(3).build();
        assertTrue(p.isZeroBasis(0, 1));
        assertEquals(1, p.numPaths(0, 1));
        assertArrayEquals(new int[] {3, 4, 1}, p.basisShape(0, 1));
        double[] u1 = p.basis(0, 1);
        assertEquals(12, u1.length);
        for (double v : u1) {
            assertEquals(0.0, v);
        }
        assertTrue(!p.isZeroBasis(0, 2) && p.numPaths(0, 2) >= 1);
        // MACE freezes weights.0 (order 2, not the all-zero order 1) at correlation 3: its index quirk
        assertTrue(p.weightFrozenByMace("contractions.0.weights.0"));
        assertTrue(!p.weightFrozenByMace("contractions.0.weights.1"));
        assertTrue(!p.weightFrozenByMace("contractions.0.weights_max"));
        SymmetricContractionProblem p2 = builder("4x0e+4x1o", "4x1e").correlation(2).build();
        assertTrue(p2.weightFrozenByMace("contractions.0.weights.0")); // order 1 itself at correlation 2
        assertTrue(!p2.weightFrozenByMace("contractions.0.weights_max"));
        // an l = 0 output drops the first axis also in the fallback: (D, .., D, 1)
        SymmetricContractionProblem q = builder("4x0e+4x1o", "4x0o").correlation(3).build();
        assertArrayEquals(new int[] {4, 1}, q.basisShape(0, 1));
        assertTrue(!q.isZeroBasis(0, 3)); // 1o x 1o x 1o -> 0o (the triple product)
    }

    @Test
    void conventionsDifferWhereLegacySignsApply() {
        SymmetricContractionProblem a = builder("2x0e+2x1o+2x2e", "2x0e+2x1o").correlation(3).build();
        SymmetricContractionProblem b = builder("2x0e+2x1o+2x2e", "2x0e+2x1o").correlation(3)
                .convention(CgConvention.LEGACY_E3NN_044).build();
        assertNotEquals(a, b);
        assertEquals(a, builder("2x0e+2x1o+2x2e", "2x0e+2x1o").correlation(3).build());
        assertEquals(a.hashCode(), builder("2x0e+2x1o+2x2e", "2x0e+2x1o").correlation(3).build().hashCode());
        double maxDiff = 0;
        double[] ua = a.basis(1, 3);
        double[] ub = b.basis(1, 3);
        for (int e = 0; e < ua.length; e++) {
            maxDiff = Math.max(maxDiff, Math.abs(ua[e] - ub[e]));
        }
        assertTrue(maxDiff > 0.1, "legacy (1,2,2) signs did not change U_3 of 1o: " + maxDiff);
    }

    @Test
    void rejectsInvalidProblemsNamingTheValue() {
        assertRejected(() -> builder("8x0e+4x1o", "8x0e").correlation(2).build(), "block 1", "4x1o", "8");
        assertRejected(() -> builder("8x0e+8x1o", "4x0e").correlation(2).build(), "irrepsOut", "4x0e", "8");
        assertRejected(() -> builder("8x0e+8x1o", "8x0e").correlation(0).build(), "correlation", "0");
        assertRejected(() -> builder("8x0e+8x1o", "8x0e").correlation(5).build(), "correlation", "5");
        assertRejected(() -> builder("8x0e+8x1o", "8x0e").build(), "correlation", "-1");
        assertRejected(() -> builder("8x0e+8x1o", "8x0e").correlation(2).elements(0).build(), "elements", "0");
        assertRejected(() -> builder("8x0e+8x1o+8x0e", "8x0e").correlation(2).build(), "0e", "twice");
        assertRejected(() -> builder("8x1o+8x2e", "8x1o").correlation(2).build(), "0e");
        // 2e cannot come from 0e + 1o in one coupling; 3o never at correlation 2
        assertRejected(() -> builder("8x0e+8x1o", "8x0e+8x3o").correlation(2).build(), "3o", "block 1");
        assertRejected(() -> builder("8x0e+8x1o", "8x2e").correlation(1).build(), "2e");
        // correlation 4 keeps natural-parity intermediates only: 1e at order 4 is dropped, but orders 2, 3 reach it
        SymmetricContractionProblem p4 = builder("2x0e+2x1o", "2x1e").correlation(4).build();
        assertTrue(p4.isZeroBasis(0, 4));
        assertTrue(!p4.isZeroBasis(0, 2));
    }

    private static SymmetricContractionProblem small() {
        return builder("2x0e+2x1o", "2x0e+2x1o").correlation(2).elements(3).build();
    }

    @Test
    void backendsAndLifecycle() {
        SymmetricContractionProblem p = small();
        BackendUnavailableException cuda = assertThrows(BackendUnavailableException.class,
                () -> SymmetricContraction.create(p, Backend.CUDA, DType.FLOAT64));
        assertTrue(cuda.getMessage().contains("CUDA symmetric contraction"), cuda.getMessage());
        try (SymmetricContraction auto = SymmetricContraction.create(p, Backend.AUTO, DType.FLOAT32)) {
            assertEquals(Backend.CPU, auto.backend());
            assertEquals(DType.FLOAT32, auto.dtype());
            assertEquals(p, auto.problem());
        }
        SymmetricContraction sc = SymmetricContraction.create(p, Backend.CPU, DType.FLOAT64);
        Random rng = new Random(5);
        double[] x = RandomData.normal(rng, p.inputDim());
        double[] w = RandomData.normal(rng, p.weightNumel());
        sc.forward(x, new int[] {2}, w, 1);
        sc.close();
        sc.close(); // harmless
        IllegalStateException closed = assertThrows(IllegalStateException.class,
                () -> sc.forward(x, new int[] {2}, w, 1));
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
    }

    @Test
    void rejectsBadArgumentsBeforeAnyWork() {
        SymmetricContractionProblem p = small();
        Random rng = new Random(6);
        int batch = 3;
        double[] x = RandomData.normal(rng, batch * p.inputDim());
        double[] w = RandomData.normal(rng, p.weightNumel());
        double[] g = RandomData.normal(rng, batch * p.outputDim());
        int[] s = {0, 1, 2};
        for (Backend b : new Backend[] {Backend.CPU, Backend.CPU_REFERENCE}) {
            try (SymmetricContraction sc = SymmetricContraction.create(p, b, DType.FLOAT64)) {
                assertRejected(() -> sc.forward(x, new int[] {0, 3, 1}, w, batch), "species[1] = 3", "row 1", "0..2");
                assertRejected(() -> sc.forward(x, new int[] {0, 1, -1}, w, batch), "species[2] = -1", "row 2");
                assertRejected(() -> sc.forward(x, new int[] {0, 1}, w, batch), "species", "2", "batch (3)");
                assertRejected(() -> sc.forward(x, null, w, batch), "species");
                assertRejected(() -> sc.forward(new double[5], s, w, batch), "x has 5", String.valueOf(x.length));
                assertRejected(() -> sc.forward(x, s, new double[2], batch), "w has 2", "weightNumel = " + p.weightNumel());
                assertRejected(() -> sc.forward(null, s, w, batch), "x must not be null");
                assertRejected(() -> sc.forward(x, s, w, -1), "batch", "-1");
                assertRejected(() -> sc.backward(x, s, w, new double[4], batch), "gradOut has 4", String.valueOf(g.length));
                assertRejected(() -> sc.doubleBackward(x, s, w, g, new double[1], w, batch), "dx has 1");
                assertRejected(() -> sc.doubleBackward(x, s, w, g, x, new double[1], batch), "dw has 1");
                assertRejected(() -> sc.forward(RandomData.toFloat(x), s, RandomData.toFloat(w), batch),
                        "float[]", "FLOAT64");
            }
        }
        try (SymmetricContraction sc = SymmetricContraction.create(p, Backend.CPU, DType.FLOAT32)) {
            assertRejected(() -> sc.forward(x, s, w, batch), "double[]", "FLOAT32");
            assertRejected(() -> sc.backward(RandomData.toFloat(x), new int[] {9, 0, 0}, RandomData.toFloat(w),
                    RandomData.toFloat(g), batch), "species[0] = 9", "row 0");
        }
    }
}
