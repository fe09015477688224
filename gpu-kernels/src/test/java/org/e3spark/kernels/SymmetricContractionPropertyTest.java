package org.e3spark.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleUnaryOperator;
import java.util.stream.Stream;
import org.e3spark.kernels.internal.math.SymmetricPolynomial;
import org.e3spark.kernels.testing.RandomData;
import org.e3spark.kernels.testing.Tolerance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Properties of the symmetric contraction on random data (seeds printed): equivariance, finite
 * differences of backward and double backward, the role of species, the sparse polynomial against
 * the dense U, and CPU against CPU_REFERENCE over awkward sizes.
 */
class SymmetricContractionPropertyTest {

    /** Problems of every correlation, with odd- and even-parity outputs. */
    static Stream<Arguments> problems() {
        String[][] defs = {
                {"3x0e+3x1o", "3x0e+3x1o", "1"},
                {"2x0e+2x1o+2x2e", "2x0e+2x1o+2x2e+2x1e+2x2o", "2"},
                {"2x0e+2x1o+2x2e", "2x0e+2x1o+2x2o+2x1e", "3"},
                {"2x0e+2x1o+2x2e+2x3o", "2x0e+2x1o", "3"},
                {"2x0e+2x1o", "2x0e+2x1o+2x2e", "4"},
                {"1x0e+1x1o+1x2e", "1x0e+1x1o+1x2e", "4"},
        };
        List<Arguments> out = new ArrayList<>();
        for (String[] d : defs) {
            for (CgConvention conv : CgConvention.values()) {
                out.add(Arguments.of(d[0], d[1], Integer.parseInt(d[2]), conv));
            }
        }
        return out.stream();
    }

    static SymmetricContractionProblem problem(String in, String out, int corr, int elements, CgConvention conv) {
        return SymmetricContractionProblem.builder(Irreps.parse(in), Irreps.parse(out))
                .correlation(corr).elements(elements).convention(conv).build();
    }

    static int[] species(Random rng, int batch, int elements) {
        int[] s = new int[batch];
        for (int n = 0; n < batch; n++) {
            s[n] = rng.nextInt(elements);
        }
        return s;
    }

    static long seed(String what) {
        long seed = what.hashCode() * 1_000_003L + 14;
        System.out.println(what + ": seed " + seed);
        return seed;
    }

    @ParameterizedTest(name = "{0} -> {1} corr {2} {3}")
    @MethodSource("problems")
    void outputRotatesWithTheInput(String in, String outIrreps, int corr, CgConvention conv) {
        SymmetricContractionProblem p = problem(in, outIrreps, corr, 3, conv);
        Random rng = new Random(seed("equivariance " + p));
        int batch = 5;
        double[] x = RandomData.normal(rng, batch * p.inputDim());
        double[] w = RandomData.normal(rng, p.weightNumel());
        int[] s = species(rng, batch, p.elements());
        Irreps rowsOfX = p.couplingIrreps(); // x is (batch x C) rows of the coupling irreps
        try (SymmetricContraction sc = SymmetricContraction.create(p, Backend.CPU, DType.FLOAT64)) {
            double[] out = sc.forward(x, s, w, batch);
            assertEveryOutputBlockNonzero(p, out, batch);
            for (boolean inversion : new boolean[] {false, true}) {
                double[] r = RandomData.rotation(rng);
                double[] rx = WignerD.rotate(rowsOfX, Layout.MUL_IR, x, r, inversion);
                double[] expected = WignerD.rotate(p.irrepsOut(), Layout.MUL_IR, out, r, inversion);
                Tolerance.assertClose(expected, sc.forward(rx, s, w, batch), 1e-12,
                        p + (inversion ? " rotation with inversion" : " rotation"));
            }
        }
    }

    /** Outputs that the symmetric polynomial reaches must not be zero: otherwise the test proves nothing. */
    private static void assertEveryOutputBlockNonzero(SymmetricContractionProblem p, double[] out, int batch) {
        SymmetricPolynomial poly = p.polynomial();
        for (int i = 0; i < p.outputs().size(); i++) {
            double norm = 0;
            int dim = p.channels() * p.outputs().get(i).dim();
            for (int n = 0; n < batch; n++) {
                for (int e = 0; e < dim; e++) {
                    double v = out[n * p.outputDim() + p.outputOffset(i) + e];
                    norm += v * v;
                }
            }
            if (poly.termCount(i) > 0) {
                assertTrue(norm > 1e-6, "output block " + i + " (" + p.outputs().get(i) + ") is zero");
            } else {
                assertEquals(0.0, norm, "output " + p.outputs().get(i) + " has no terms but is nonzero");
            }
        }
    }

    @ParameterizedTest(name = "{0} -> {1} corr {2} {3}")
    @MethodSource("problems")
    void backwardMatchesFiniteDifferences(String in, String outIrreps, int corr, CgConvention conv) {
        SymmetricContractionProblem p = problem(in, outIrreps, corr, 2, conv);
        Random rng = new Random(seed("fd backward " + p));
        int batch = 4;
        double[] x = RandomData.normal(rng, batch * p.inputDim());
        double[] w = RandomData.normal(rng, p.weightNumel());
        double[] g = RandomData.normal(rng, batch * p.outputDim());
        double[] dx = RandomData.normal(rng, x.length);
        double[] dw = RandomData.normal(rng, w.length);
        int[] s = species(rng, batch, p.elements());
        for (Backend b : CPU_BACKENDS) {
            try (SymmetricContraction sc = SymmetricContraction.create(p, b, DType.FLOAT64)) {
                double numeric = centralDifference(
                        t -> RandomData.dot(g, sc.forward(RandomData.axpy(x, t, dx), s, RandomData.axpy(w, t, dw), batch)));
                SymmetricContraction.Gradients<double[]> gr = sc.backward(x, s, w, g, batch);
                double analytic = RandomData.dot(gr.x(), dx) + RandomData.dot(gr.w(), dw);
                assertTrue(Math.abs(analytic) > 1e-3, "directional derivative is ~0: " + analytic);
                assertEquals(numeric, analytic, 1e-6 * Math.max(1, Math.abs(numeric)), b + " " + p);
            }
        }
    }

    @ParameterizedTest(name = "{0} -> {1} corr {2} {3}")
    @MethodSource("problems")
    void doubleBackwardMatchesFiniteDifferencesOfBackward(String in, String outIrreps, int corr, CgConvention conv) {
        SymmetricContractionProblem p = problem(in, outIrreps, corr, 2, conv);
        Random rng = new Random(seed("fd double backward " + p));
        int batch = 3;
        double[] x = RandomData.normal(rng, batch * p.inputDim());
        double[] w = RandomData.normal(rng, p.weightNumel());
        double[] g = RandomData.normal(rng, batch * p.outputDim());
        double[] a = RandomData.normal(rng, x.length); // seeds of gx and gw
        double[] c = RandomData.normal(rng, w.length);
        double[] ex = RandomData.normal(rng, x.length); // direction of the finite difference
        double[] ew = RandomData.normal(rng, w.length);
        double[] eg = RandomData.normal(rng, g.length);
        int[] s = species(rng, batch, p.elements());
        for (Backend b : CPU_BACKENDS) {
            try (SymmetricContraction sc = SymmetricContraction.create(p, b, DType.FLOAT64)) {
                double numeric = seededBackwardAlong(sc, x, s, w, g, batch, a, c, ex, ew, eg);
                SymmetricContraction.DoubleGradients<double[]> dd = sc.doubleBackward(x, s, w, g, a, c, batch);
                double analytic = RandomData.dot(dd.x(), ex) + RandomData.dot(dd.w(), ew)
                        + RandomData.dot(dd.gradOut(), eg);
                assertTrue(Math.abs(analytic) > 1e-3, "directional derivative is ~0: " + analytic);
                assertEquals(numeric, analytic, 1e-6 * Math.max(1, Math.abs(numeric)), b + " " + p);
                // each part on its own, so that no term can hide behind another
                for (int part = 0; part < 3; part++) {
                    double[] px = part == 0 ? ex : new double[ex.length];
                    double[] pw = part == 1 ? ew : new double[ew.length];
                    double[] pg = part == 2 ? eg : new double[eg.length];
                    double an = RandomData.dot(dd.x(), px) + RandomData.dot(dd.w(), pw) + RandomData.dot(dd.gradOut(), pg);
                    double nu = seededBackwardAlong(sc, x, s, w, g, batch, a, c, px, pw, pg);
                    assertEquals(nu, an, 1e-6 * Math.max(1, Math.abs(nu)), b + " " + p + " part " + part);
                }
            }
        }
    }

    private static double seeded(SymmetricContraction.Gradients<double[]> gr, double[] a, double[] c) {
        return RandomData.dot(gr.x(), a) + RandomData.dot(gr.w(), c);
    }

    /** The float64 CPU backends the properties are checked on: the engine and the reference. */
    private static final Backend[] CPU_BACKENDS = {Backend.CPU, Backend.CPU_REFERENCE};

    /** Step of the finite differences: its O(h^2) error is far below their 1e-6 tolerance. */
    private static final double FD_STEP = 1e-5;

    /** d/dt f(t) at t = 0, (f(h) - f(-h)) / 2h. */
    private static double centralDifference(DoubleUnaryOperator f) {
        double plus = f.applyAsDouble(FD_STEP);
        double minus = f.applyAsDouble(-FD_STEP);
        return (plus - minus) / (2 * FD_STEP);
    }

    /**
     * The derivative of the seeded backward ({@link #seeded}: gx . a + gw . c) along (ex, ew, eg) in
     * (x, w, gradOut), by central difference: what double backward's outputs dotted with that direction
     * must equal.
     */
    private static double seededBackwardAlong(SymmetricContraction sc, double[] x, int[] s, double[] w, double[] g,
                                              int batch, double[] a, double[] c, double[] ex, double[] ew, double[] eg) {
        return centralDifference(t -> seeded(sc.backward(RandomData.axpy(x, t, ex), s, RandomData.axpy(w, t, ew),
                RandomData.axpy(g, t, eg), batch), a, c));
    }

    @Test
    void speciesOnlyChooseWhichWeightsARowUses() {
        SymmetricContractionProblem p = problem("3x0e+3x1o+3x2e", "3x0e+3x1o", 3, 4, CgConvention.E3NN);
        Random rng = new Random(seed("species"));
        int batch = 9;
        double[] x = RandomData.normal(rng, batch * p.inputDim());
        double[] w = RandomData.normal(rng, p.weightNumel());
        double[] g = RandomData.normal(rng, batch * p.outputDim());
        int[] s = species(rng, batch, p.elements());
        int[] perm = {2, 0, 3, 1}; // element z becomes perm[z]
        double[] wp = new double[w.length];
        for (String name : p.weightNames()) {
            int off = p.weightOffset(name);
            int[] shape = p.weightShape(name);
            int rowLen = shape[1] * shape[2];
            for (int z = 0; z < shape[0]; z++) {
                System.arraycopy(w, off + z * rowLen, wp, off + perm[z] * rowLen, rowLen);
            }
        }
        int[] sp = new int[batch];
        for (int n = 0; n < batch; n++) {
            sp[n] = perm[s[n]];
        }
        for (Backend b : CPU_BACKENDS) {
            try (SymmetricContraction sc = SymmetricContraction.create(p, b, DType.FLOAT64)) {
                double[] out = sc.forward(x, s, w, batch);
                assertArrayEquals(out, sc.forward(x, sp, wp, batch), 1e-14, b + " relabelled elements");
                SymmetricContraction.Gradients<double[]> gr = sc.backward(x, s, w, g, batch);
                SymmetricContraction.Gradients<double[]> grp = sc.backward(x, sp, wp, g, batch);
                assertArrayEquals(gr.x(), grp.x(), 1e-13, b + " grad x, relabelled elements");
                // changing row 4's species changes row 4 only
                int[] s2 = s.clone();
                s2[4] = (s[4] + 1) % p.elements();
                double[] out2 = sc.forward(x, s2, w, batch);
                for (int n = 0; n < batch; n++) {
                    double diff = 0;
                    for (int e = 0; e < p.outputDim(); e++) {
                        diff = Math.max(diff, Math.abs(out[n * p.outputDim() + e] - out2[n * p.outputDim() + e]));
                    }
                    if (n == 4) {
                        assertTrue(diff > 1e-6, b + ": row 4 did not change with its species");
                    } else {
                        assertEquals(0.0, diff, b + ": row " + n + " changed with row 4's species");
                    }
                }
                // a weight row of an element nobody uses gets no gradient; the used ones do
                int[] one = new int[batch];
                java.util.Arrays.fill(one, 1);
                double[] gw = sc.backward(x, one, w, g, batch).w();
                String name = p.weightNames().get(0);
                int[] shape = p.weightShape(name);
                int rowLen = shape[1] * shape[2];
                for (int z = 0; z < shape[0]; z++) {
                    double norm = 0;
                    for (int e = 0; e < rowLen; e++) {
                        norm += Math.abs(gw[p.weightOffset(name) + z * rowLen + e]);
                    }
                    assertTrue(z == 1 ? norm > 0 : norm == 0, b + " element " + z + " weight gradient " + norm);
                }
            }
        }
    }

    /** The sparse symmetric polynomial (what the CPU engine runs and a GPU generator unrolls) equals the dense U. */
    @ParameterizedTest(name = "{0} -> {1} corr {2} {3}")
    @MethodSource("problems")
    void polynomialEqualsDenseBasisContraction(String in, String outIrreps, int corr, CgConvention conv) {
        SymmetricContractionProblem p = problem(in, outIrreps, corr, 1, conv);
        SymmetricPolynomial poly = p.polynomial();
        Random rng = new Random(seed("polynomial " + p));
        int d = p.couplingDim();
        double[] x = RandomData.normal(rng, d);
        double[] mono = new double[poly.monomialCount()];
        for (int t = 0; t < mono.length; t++) {
            double v = 1;
            for (int ix : poly.monomialIndices(t)) {
                v *= x[ix];
            }
            mono[t] = v;
            if (t > 0) {
                assertEquals(mono[poly.monomialParent(t)] * x[poly.monomialLast(t)], v, 1e-12 * Math.abs(v));
            }
        }
        for (int i = 0; i < p.outputs().size(); i++) {
            int dimL = p.outputs().get(i).dim();
            for (int nu = 1; nu <= corr; nu++) {
                int pk = p.numPaths(i, nu);
                double[] dense = contractDense(p.basis(i, nu), x, dimL, nu, pk);
                double[] sparse = new double[dimL * pk];
                for (int e = 0; e < poly.termCount(i); e++) {
                    if (poly.termOrder(i, e) == nu) {
                        assertEquals(nu, poly.monomialDegree(poly.termMonomial(i, e)));
                        sparse[poly.termComponent(i, e) * pk + poly.termPath(i, e)] +=
                                poly.termCoefficient(i, e) * mono[poly.termMonomial(i, e)];
                    }
                }
                // relative to the O(1) scale of U x..x: an output only antisymmetric paths reach is ~1e-16 densely
                double diff = 0;
                double norm = 0;
                for (int e = 0; e < dense.length; e++) {
                    diff += (dense[e] - sparse[e]) * (dense[e] - sparse[e]);
                    norm += dense[e] * dense[e];
                }
                assertTrue(Math.sqrt(diff) <= 1e-13 * Math.max(1, Math.sqrt(norm)),
                        p + " output " + i + " nu " + nu + ": |dense - sparse| = " + Math.sqrt(diff));
            }
        }
    }

    /** A[M, k] = sum over every multi-index of U[M, d1..dnu, k] x_d1..x_dnu. */
    private static double[] contractDense(double[] u, double[] x, int dimL, int nu, int pk) {
        int d = x.length;
        int dn = (int) Math.pow(d, nu);
        double[] a = new double[dimL * pk];
        for (int m = 0; m < dimL; m++) {
            for (int flat = 0; flat < dn; flat++) {
                double prod = 1;
                int f = flat;
                for (int j = 0; j < nu; j++) {
                    prod *= x[f % d];
                    f /= d;
                }
                for (int k = 0; k < pk; k++) {
                    a[m * pk + k] += u[(m * dn + flat) * pk + k] * prod;
                }
            }
        }
        return a;
    }

    /**
     * MACE's U is not symmetric in its input axes path by path (e.g. w3j(1, 1, 1) is antisymmetric);
     * only its contraction with the symmetric x⊗..⊗x is used, and that equals the contraction of the
     * symmetrised U (which is what {@link SymmetricPolynomial} stores).
     */
    @Test
    void basisIsNotSymmetricPerPathButItsSymmetrisationContractsTheSame() {
        SymmetricContractionProblem p = problem("2x0e+2x1o+2x2e+2x3o", "2x0e+2x1o", 3, 1, CgConvention.LEGACY_E3NN_044);
        int d = p.couplingDim();
        Random rng = new Random(seed("symmetrised U"));
        double[] x = RandomData.normal(rng, d);
        for (int i = 0; i < 2; i++) {
            int dimL = p.outputs().get(i).dim();
            int pk = p.numPaths(i, 3);
            double[] u = p.basis(i, 3);
            double[] sym = new double[u.length];
            int dn = d * d * d;
            double asym = 0;
            int[][] perms = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
            for (int m = 0; m < dimL; m++) {
                for (int flat = 0; flat < dn; flat++) {
                    int[] ix = {flat / (d * d), (flat / d) % d, flat % d};
                    for (int[] pm : perms) {
                        int g = (ix[pm[0]] * d + ix[pm[1]]) * d + ix[pm[2]];
                        for (int k = 0; k < pk; k++) {
                            double v = u[(m * dn + g) * pk + k];
                            sym[(m * dn + flat) * pk + k] += v / 6;
                            asym = Math.max(asym, Math.abs(v - u[(m * dn + flat) * pk + k]));
                        }
                    }
                }
            }
            assertTrue(asym > 0.1, "U_3 of " + p.outputs().get(i) + " is symmetric after all: " + asym);
            Tolerance.assertClose(contractDense(u, x, dimL, 3, pk), contractDense(sym, x, dimL, 3, pk), 1e-13,
                    "symmetrised U_3 of " + p.outputs().get(i));
        }
    }

    /** CPU against CPU_REFERENCE in every direction, over channel counts and awkward batch sizes. */
    static Stream<Arguments> sizes() {
        return Stream.of(
                Arguments.of("1x0e+1x1o+1x2e", "1x0e+1x1o+1x2e", 3, 1),
                Arguments.of("1x0e+1x1o+1x2e", "1x0e+1x1o+1x2e", 3, 7),
                Arguments.of("3x0e+3x1o+3x2e+3x3o", "3x0e+3x1o", 3, 7),
                Arguments.of("3x0e+3x1o+3x2e", "3x0e+3x1o+3x2o", 2, 0),
                Arguments.of("3x0e+3x1o", "3x0e+3x1o", 4, 7),
                Arguments.of("128x0e+128x1o", "128x0e+128x1o", 2, 3),
                Arguments.of("20x0e+20x1o+20x2e", "20x0e+20x1o+20x2e", 3, 13),
                Arguments.of("1x0e+1x1o", "1x0e+1x1o", 2, 4097),
                Arguments.of("3x0e+3x1o", "3x0e+3x1e", 3, 4097));
    }

    @ParameterizedTest(name = "{0} -> {1} corr {2} batch {3}")
    @MethodSource("sizes")
    void cpuMatchesReferenceInEveryDirectionAndDtype(String in, String outIrreps, int corr, int batch) {
        SymmetricContractionProblem p = problem(in, outIrreps, corr, 3, CgConvention.LEGACY_E3NN_044);
        Random rng = new Random(seed("cpu vs reference " + p + " batch " + batch));
        double[] x = RandomData.normal(rng, batch * p.inputDim());
        double[] w = RandomData.normal(rng, p.weightNumel());
        double[] g = RandomData.normal(rng, batch * p.outputDim());
        double[] dx = RandomData.normal(rng, x.length);
        double[] dw = RandomData.normal(rng, w.length);
        int[] s = species(rng, batch, p.elements());
        double[] out;
        SymmetricContraction.Gradients<double[]> gr;
        SymmetricContraction.DoubleGradients<double[]> dd;
        try (SymmetricContraction ref = SymmetricContraction.create(p, Backend.CPU_REFERENCE, DType.FLOAT64)) {
            out = ref.forward(x, s, w, batch);
            gr = ref.backward(x, s, w, g, batch);
            dd = ref.doubleBackward(x, s, w, g, dx, dw, batch);
        }
        assertEquals(batch * p.outputDim(), out.length);
        if (batch > 0) {
            assertTrue(Tolerance.relativeError(new double[out.length], out) > 0, "reference output is zero");
        }
        try (SymmetricContraction cpu = SymmetricContraction.create(p, Backend.CPU, DType.FLOAT64)) {
            Tolerance.assertClose(out, cpu.forward(x, s, w, batch), Tolerance.FLOAT64, "forward");
            SymmetricContraction.Gradients<double[]> c = cpu.backward(x, s, w, g, batch);
            Tolerance.assertClose(gr.x(), c.x(), Tolerance.FLOAT64, "grad x");
            Tolerance.assertClose(gr.w(), c.w(), Tolerance.FLOAT64, "grad w");
            SymmetricContraction.DoubleGradients<double[]> cd = cpu.doubleBackward(x, s, w, g, dx, dw, batch);
            Tolerance.assertClose(dd.x(), cd.x(), Tolerance.FLOAT64, "double backward x");
            Tolerance.assertClose(dd.w(), cd.w(), Tolerance.FLOAT64, "double backward w");
            Tolerance.assertClose(dd.gradOut(), cd.gradOut(), Tolerance.FLOAT64, "double backward gradOut");
            // bit-identical when repeated (fixed task split, ordered reductions)
            assertArrayEquals(c.w(), cpu.backward(x, s, w, g, batch).w(), "grad w is not deterministic");
        }
        try (SymmetricContraction cpu = SymmetricContraction.create(p, Backend.CPU, DType.FLOAT32)) {
            float[] xf = RandomData.toFloat(x);
            float[] wf = RandomData.toFloat(w);
            float[] gf = RandomData.toFloat(g);
            Tolerance.assertClose(out, cpu.forward(xf, s, wf, batch), Tolerance.FLOAT32_FORWARD, "forward f32");
            SymmetricContraction.Gradients<float[]> c = cpu.backward(xf, s, wf, gf, batch);
            Tolerance.assertClose(gr.x(), c.x(), Tolerance.FLOAT32_BACKWARD, "grad x f32");
            Tolerance.assertClose(gr.w(), c.w(), Tolerance.FLOAT32_BACKWARD, "grad w f32");
            SymmetricContraction.DoubleGradients<float[]> cd = cpu.doubleBackward(xf, s, wf, gf,
                    RandomData.toFloat(dx), RandomData.toFloat(dw), batch);
            Tolerance.assertClose(dd.x(), cd.x(), Tolerance.FLOAT32_BACKWARD, "double backward x f32");
            Tolerance.assertClose(dd.w(), cd.w(), Tolerance.FLOAT32_BACKWARD, "double backward w f32");
            Tolerance.assertClose(dd.gradOut(), cd.gradOut(), Tolerance.FLOAT32_BACKWARD, "double backward gradOut f32");
        }
    }
}
