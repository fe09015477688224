package org.e3spark.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.e3spark.kernels.testing.RandomData;
import org.e3spark.kernels.testing.RandomProblems;
import org.e3spark.kernels.testing.Tolerance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Properties every tensor product must have, on random problems that include what the goldens do
 * not: uvu and uvw mixed, weightless instructions, several paths into one output block, blocks no
 * path reaches, in2 multiplicity > 1, multiplicities > 32. Seeds are fixed and printed in names.
 */
class TensorProductPropertyTest {

    static Stream<Arguments> problems() {
        List<Arguments> list = new ArrayList<>();
        long[] seeds = {1, 2, 3, 4, 5, 6};
        for (long seed : seeds) {
            list.add(Arguments.of(seed, seed % 2 == 0, seed % 3 == 0 ? Layout.IR_MUL : Layout.MUL_IR));
        }
        return list.stream();
    }

    private record Inputs(double[] x, double[] y, double[] w, double[] g) {
        static Inputs random(TPProblem p, int batch, Random rng) {
            int wn = p.sharedWeights() ? p.weightNumel() : batch * p.weightNumel();
            return new Inputs(RandomData.normal(rng, batch * p.in1().dim()), RandomData.normal(rng, batch * p.in2().dim()),
                    RandomData.normal(rng, wn), RandomData.normal(rng, batch * p.out().dim()));
        }
    }

    @ParameterizedTest(name = "seed {0} shared={1} {2}")
    @MethodSource("problems")
    void fastBackendAgreesWithReferenceInEveryDirection(long seed, boolean shared, Layout layout) {
        TPProblem p = RandomProblems.mixed(seed, shared, layout);
        int batch = 207; // not a multiple of the chunk size: exercises the tail
        Random rng = new Random(seed * 31);
        Inputs in = Inputs.random(p, batch, rng);
        Inputs seeds = Inputs.random(p, batch, rng);
        try (TensorProduct fast = TensorProduct.create(p, Backend.CPU, DType.FLOAT64);
             TensorProduct ref = TensorProduct.create(p, Backend.CPU_REFERENCE, DType.FLOAT64)) {
            Tolerance.assertClose(ref.forward(in.x, in.y, in.w, batch), fast.forward(in.x, in.y, in.w, batch),
                    Tolerance.FLOAT64, "forward");
            Gradients gr = ref.backward(in.x, in.y, in.w, in.g, batch);
            Gradients gf = fast.backward(in.x, in.y, in.w, in.g, batch);
            Tolerance.assertClose(gr.x(), gf.x(), Tolerance.FLOAT64, "grad x");
            Tolerance.assertClose(gr.y(), gf.y(), Tolerance.FLOAT64, "grad y");
            Tolerance.assertClose(gr.w(), gf.w(), Tolerance.FLOAT64, "grad w");
            DoubleGradients dr = ref.doubleBackward(in.x, in.y, in.w, in.g, seeds.x, seeds.y, seeds.w, batch);
            DoubleGradients df = fast.doubleBackward(in.x, in.y, in.w, in.g, seeds.x, seeds.y, seeds.w, batch);
            Tolerance.assertClose(dr.x(), df.x(), Tolerance.FLOAT64, "dd x");
            Tolerance.assertClose(dr.y(), df.y(), Tolerance.FLOAT64, "dd y");
            Tolerance.assertClose(dr.w(), df.w(), Tolerance.FLOAT64, "dd w");
            Tolerance.assertClose(dr.gradOut(), df.gradOut(), Tolerance.FLOAT64, "dd gradOut");
        }
    }

    @ParameterizedTest(name = "seed {0} shared={1} {2}")
    @MethodSource("problems")
    void isEquivariantUnderRotationsAndParity(long seed, boolean shared, Layout layout) {
        TPProblem p = RandomProblems.mixed(seed, shared, layout);
        int batch = 3;
        Random rng = new Random(seed * 17);
        Inputs in = Inputs.random(p, batch, rng);
        double[] r = RandomData.rotation(rng);
        try (TensorProduct tp = TensorProduct.create(p, Backend.CPU, DType.FLOAT64)) {
            double[] out = tp.forward(in.x, in.y, in.w, batch);
            assertTrue(RandomData.dot(out, out) > 0, "output must not be all zeros");
            for (boolean inversion : new boolean[] {false, true}) {
                double[] rx = WignerD.rotate(p.in1(), layout, in.x, r, inversion);
                double[] ry = WignerD.rotate(p.in2(), layout, in.y, r, inversion);
                double[] expected = WignerD.rotate(p.out(), layout, out, r, inversion);
                Tolerance.assertClose(expected, tp.forward(rx, ry, in.w, batch), 1e-12,
                        "TP(Dx, Dy) = D TP(x, y), inversion=" + inversion);
            }
        }
    }

    @ParameterizedTest(name = "seed {0} shared={1} {2}")
    @MethodSource("problems")
    void backwardAndDoubleBackwardMatchFiniteDifferences(long seed, boolean shared, Layout layout) {
        TPProblem p = RandomProblems.mixed(seed, shared, layout);
        int batch = 4;
        Random rng = new Random(seed * 7);
        Inputs in = Inputs.random(p, batch, rng);
        Inputs dir = Inputs.random(p, batch, rng);
        Inputs seeds = Inputs.random(p, batch, rng);
        double h = 1e-5;
        try (TensorProduct tp = TensorProduct.create(p, Backend.CPU_REFERENCE, DType.FLOAT64)) {
            // L(x, y, w) = sum(out * g): its directional derivative is <grads, direction>
            Gradients gr = tp.backward(in.x, in.y, in.w, in.g, batch);
            double analytic = RandomData.dot(gr.x(), dir.x) + RandomData.dot(gr.y(), dir.y) + RandomData.dot(gr.w(), dir.w);
            double lp = RandomData.dot(in.g, tp.forward(RandomData.axpy(in.x, h, dir.x), RandomData.axpy(in.y, h, dir.y),
                    RandomData.axpy(in.w, h, dir.w), batch));
            double lm = RandomData.dot(in.g, tp.forward(RandomData.axpy(in.x, -h, dir.x), RandomData.axpy(in.y, -h, dir.y),
                    RandomData.axpy(in.w, -h, dir.w), batch));
            assertEquals((lp - lm) / (2 * h), analytic, 1e-6 * Math.max(1, Math.abs(analytic)), "backward");

            // L2 = <gx, a> + <gy, b> + <gw, c>, differentiated along (x, y, w, g)
            DoubleGradients dd = tp.doubleBackward(in.x, in.y, in.w, in.g, seeds.x, seeds.y, seeds.w, batch);
            double analytic2 = RandomData.dot(dd.x(), dir.x) + RandomData.dot(dd.y(), dir.y)
                    + RandomData.dot(dd.w(), dir.w) + RandomData.dot(dd.gradOut(), dir.g);
            double l2p = secondOrder(tp, in, dir, seeds, h, batch);
            double l2m = secondOrder(tp, in, dir, seeds, -h, batch);
            assertEquals((l2p - l2m) / (2 * h), analytic2, 1e-6 * Math.max(1, Math.abs(analytic2)), "double backward");
        }
    }

    private static double secondOrder(TensorProduct tp, Inputs in, Inputs dir, Inputs seeds, double t, int batch) {
        Gradients g = tp.backward(RandomData.axpy(in.x, t, dir.x), RandomData.axpy(in.y, t, dir.y),
                RandomData.axpy(in.w, t, dir.w), RandomData.axpy(in.g, t, dir.g), batch);
        return RandomData.dot(g.x(), seeds.x) + RandomData.dot(g.y(), seeds.y) + RandomData.dot(g.w(), seeds.w);
    }

    @Test
    void eachInstructionReadsOnlyItsOwnWeightSlice() {
        TPProblem p = RandomProblems.mixed(9, false, Layout.MUL_IR);
        int batch = 2;
        Random rng = new Random(99);
        Inputs in = Inputs.random(p, batch, rng);
        try (TensorProduct tp = TensorProduct.create(p, Backend.CPU, DType.FLOAT64)) {
            for (int k = 0; k < p.instructions().size(); k++) {
                Instruction ins = p.instruction(k);
                if (!ins.hasWeight()) {
                    continue;
                }
                // weights zero except instruction k's slice: the only nonzero output block is k's
                // (weightless paths still contribute, so compare against a run with all weights zero)
                double[] w = new double[in.w.length];
                int size = 1;
                for (int s : p.weightShape(k)) {
                    size *= s;
                }
                for (int z = 0; z < batch; z++) {
                    for (int n = 0; n < size; n++) {
                        w[z * p.weightNumel() + p.weightOffset(k) + n] = in.w[z * p.weightNumel() + p.weightOffset(k) + n];
                    }
                }
                double[] base = tp.forward(in.x, in.y, new double[in.w.length], batch);
                double[] withK = tp.forward(in.x, in.y, w, batch);
                for (int z = 0; z < batch; z++) {
                    for (int blk = 0; blk < p.out().size(); blk++) {
                        double diff = 0;
                        for (int e = p.out().offset(blk); e < p.out().offset(blk) + p.out().get(blk).dim(); e++) {
                            diff += Math.abs(withK[z * p.out().dim() + e] - base[z * p.out().dim() + e]);
                        }
                        if (blk == ins.out()) {
                            assertTrue(diff > 0, "instruction " + k + " must write its block " + blk);
                        } else {
                            assertEquals(0.0, diff, "instruction " + k + "'s weights changed block " + blk);
                        }
                    }
                }
            }
        }
    }

    @Test
    void unreachedOutputBlocksAreZero() {
        TPProblem p = RandomProblems.mixed(4, true, Layout.MUL_IR);
        int last = p.out().size() - 1; // the block no path reaches
        Random rng = new Random(4);
        Inputs in = Inputs.random(p, 5, rng);
        try (TensorProduct tp = TensorProduct.create(p, Backend.CPU, DType.FLOAT64)) {
            double[] out = tp.forward(in.x, in.y, in.w, 5);
            for (int z = 0; z < 5; z++) {
                for (int e = p.out().offset(last); e < p.out().dim(); e++) {
                    assertEquals(0.0, out[z * p.out().dim() + e]);
                }
            }
        }
    }

    @Test
    void resultsDoNotDependOnTheNumberOfThreads() throws Exception {
        TPProblem p = RandomProblems.mixed(2, true, Layout.MUL_IR);
        int batch = 1000;
        Inputs in = Inputs.random(p, batch, new Random(2));
        try (TensorProduct tp = TensorProduct.create(p, Backend.CPU, DType.FLOAT64)) {
            Gradients parallel = tp.backward(in.x, in.y, in.w, in.g, batch);
            Gradients single = new java.util.concurrent.ForkJoinPool(1).submit(
                    () -> tp.backward(in.x, in.y, in.w, in.g, batch)).get();
            assertEquals(0.0, Tolerance.relativeError(parallel.w(), single.w()), "shared-weight gradient bits");
            assertEquals(0.0, Tolerance.relativeError(parallel.x(), single.x()));
        }
    }

    @Test
    void validationNamesTheInstruction() {
        Irreps a = Irreps.parse("4x0e+4x1o");
        Irreps b = Irreps.parse("1x1o");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TPProblem.builder(a, b,
                Irreps.parse("4x1o")).instruction(1, 0, 0, ConnectionMode.UVU).build());
        assertTrue(e.getMessage().contains("instruction 0") && e.getMessage().contains("parity"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TPProblem.builder(a, b, Irreps.parse("4x3e"))
                .instruction(1, 0, 0, ConnectionMode.UVU).build());
        assertTrue(e.getMessage().contains("triangle"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TPProblem.builder(a, b, Irreps.parse("3x1o"))
                .instruction(0, 0, 0, ConnectionMode.UVU).build());
        assertTrue(e.getMessage().contains("uvu needs"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TPProblem.builder(a, b, Irreps.parse("3x1o"))
                .instruction(0, 0, 0, ConnectionMode.UVW).instruction(0, 2, 0, ConnectionMode.UVW).build());
        assertTrue(e.getMessage().contains("instruction 1") && e.getMessage().contains("in2 block index 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TPProblem.builder(a, b, Irreps.parse("3x1o"))
                .instruction(0, 0, 0, ConnectionMode.UVW, false, 1.0).build());
        assertTrue(e.getMessage().contains("uvw needs weights"), e.getMessage());
    }

    @Test
    void wrongSizesAndDtypesFailBeforeAnyWork() {
        TPProblem p = ProblemCatalog.problem("nequip-water");
        try (TensorProduct tp = TensorProduct.create(p, Backend.CPU, DType.FLOAT32)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> tp.forward(new double[p.in1().dim()], new double[p.in2().dim()], new double[p.weightNumel()], 1));
            assertTrue(e.getMessage().contains("FLOAT32"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> tp.forward(new float[p.in1().dim()], new float[p.in2().dim() + 1], new float[p.weightNumel()], 1));
            assertTrue(e.getMessage().startsWith("y has"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class,
                    () -> tp.forward(new float[2 * p.in1().dim()], new float[2 * p.in2().dim()], new float[p.weightNumel()], 2));
            assertTrue(e.getMessage().startsWith("w has") && e.getMessage().contains("batch (2)"), e.getMessage());
        }
        TensorProduct closed = TensorProduct.create(p, Backend.CPU, DType.FLOAT64);
        closed.close();
        closed.close();
        assertThrows(IllegalStateException.class,
                () -> closed.forward(new double[p.in1().dim()], new double[p.in2().dim()], new double[p.weightNumel()], 1));
    }

    @Test
    void catalogProblemsHaveTheirPublishedShapes() {
        TPProblem mace = ProblemCatalog.problem("mace-large");
        assertEquals(Irreps.parse("128x0e+128x1o+128x2e"), mace.in1());
        assertTrue(mace.allOfMode(ConnectionMode.UVU));
        TPProblem tetris = ProblemCatalog.problem("tetris-poly-2");
        assertTrue(tetris.sharedWeights() && tetris.allOfMode(ConnectionMode.UVW));
        // CW output blocks come sorted by irrep
        TPProblem lips = ProblemCatalog.problem("nequip-lips");
        for (int k = 1; k < lips.out().size(); k++) {
            assertTrue(lips.out().get(k - 1).irrep().compareTo(lips.out().get(k).irrep()) <= 0, "sorted outputs");
        }
    }
}
