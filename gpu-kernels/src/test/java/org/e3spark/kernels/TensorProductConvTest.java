package org.e3spark.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.e3spark.kernels.testing.Golden;
import org.e3spark.kernels.testing.RandomData;
import org.e3spark.kernels.testing.RandomGraphs;
import org.e3spark.kernels.testing.RandomProblems;
import org.e3spark.kernels.testing.Tolerance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TensorProductConvTest {

    static Stream<Arguments> goldenCases() {
        List<Arguments> cases = new ArrayList<>();
        for (Golden.Release release : Golden.RELEASES) {
            for (String file : Golden.filesOfKind(release.folder(), "convolution")) {
                for (Backend backend : new Backend[] {Backend.CPU, Backend.CPU_REFERENCE}) {
                    for (ConvMode mode : ConvMode.values()) {
                        cases.add(Arguments.of(release, file, backend, mode));
                    }
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2} {3}")
    @MethodSource("goldenCases")
    void matchesE3nnGoldensInBothDtypes(Golden.Release release, String file, Backend backend, ConvMode mode) {
        JsonNode g = Golden.read(release.folder(), file);
        TPProblem problem = Golden.problem(g, release.convention());
        ConvGraph graph = ConvGraph.of(Golden.ints(g, "sender"), Golden.ints(g, "receiver"), g.get("nodes").asInt());
        double[] x = Golden.doubles(g, "x");
        double[] y = Golden.doubles(g, "y");
        double[] w = Golden.doubles(g, "w");
        double[] gOut = Golden.doubles(g, "grad_out");
        try (TensorProductConv conv = TensorProductConv.create(problem, backend, DType.FLOAT64, mode)) {
            Tolerance.assertClose(Golden.doubles(g, "out"), conv.forward(x, y, w, graph), Tolerance.FLOAT64, "out");
            Gradients gr = conv.backward(x, y, w, graph, gOut);
            Tolerance.assertClose(Golden.doubles(g, "grad_x"), gr.x(), Tolerance.FLOAT64, "grad_x");
            Tolerance.assertClose(Golden.doubles(g, "grad_y"), gr.y(), Tolerance.FLOAT64, "grad_y");
            Tolerance.assertClose(Golden.doubles(g, "grad_w"), gr.w(), Tolerance.FLOAT64, "grad_w");
        }
        try (TensorProductConv conv = TensorProductConv.create(problem, backend, DType.FLOAT32, mode)) {
            float[] out = conv.forward(RandomData.toFloat(x), RandomData.toFloat(y), RandomData.toFloat(w),
                    Golden.ints(g, "sender"), Golden.ints(g, "receiver"), g.get("nodes").asInt());
            Tolerance.assertClose(Golden.doubles(g, "out"), out, Tolerance.FLOAT32_FORWARD, "out f32");
            GradientsF32 gr = conv.backward(RandomData.toFloat(x), RandomData.toFloat(y), RandomData.toFloat(w), graph,
                    RandomData.toFloat(gOut));
            Tolerance.assertClose(Golden.doubles(g, "grad_x"), gr.x(), Tolerance.FLOAT32_BACKWARD, "grad_x f32");
            Tolerance.assertClose(Golden.doubles(g, "grad_y"), gr.y(), Tolerance.FLOAT32_BACKWARD, "grad_y f32");
            Tolerance.assertClose(Golden.doubles(g, "grad_w"), gr.w(), Tolerance.FLOAT32_BACKWARD, "grad_w f32");
        }
    }

    private static ConvGraph awkwardGraph(Random rng, int nodes, int edges, int hubEdges) {
        return RandomGraphs.awkward(rng, nodes, edges, hubEdges);
    }

    private static double[] gatherScatterForward(TPProblem p, ConvGraph graph, double[] x, double[] y, double[] w) {
        int d1 = p.in1().dim();
        double[] xe = new double[graph.numEdges() * d1];
        for (int e = 0; e < graph.numEdges(); e++) {
            System.arraycopy(x, graph.sender(e) * d1, xe, e * d1, d1);
        }
        double[] msg;
        try (TensorProduct tp = TensorProduct.create(p, Backend.CPU_REFERENCE, DType.FLOAT64)) {
            msg = tp.forward(xe, y, w, graph.numEdges());
        }
        int dOut = p.out().dim();
        double[] out = new double[graph.numNodes() * dOut];
        for (int e = 0; e < graph.numEdges(); e++) {
            for (int k = 0; k < dOut; k++) {
                out[graph.receiver(e) * dOut + k] += msg[e * dOut + k];
            }
        }
        return out;
    }

    @Test
    void equalsGatherTensorProductScatterOnAwkwardGraphs() {
        Random rng = new Random(21);
        for (boolean shared : new boolean[] {false, true}) {
            TPProblem p = ProblemCatalog.problem("nequip-water").withSharedWeights(shared);
            ConvGraph graph = awkwardGraph(rng, 40, 300, 10_000);
            double[] x = RandomData.normal(rng, graph.numNodes() * p.in1().dim());
            double[] y = RandomData.normal(rng, graph.numEdges() * p.in2().dim());
            double[] w = RandomData.normal(rng, shared ? p.weightNumel() : graph.numEdges() * p.weightNumel());
            double[] expected = gatherScatterForward(p, graph, x, y, w);
            try (TensorProductConv conv = TensorProductConv.create(p, Backend.CPU, DType.FLOAT64, ConvMode.DETERMINISTIC)) {
                double[] out = conv.forward(x, y, w, graph);
                Tolerance.assertClose(expected, out, Tolerance.FLOAT64, "fused vs gather-TP-scatter, shared=" + shared);
                int dOut = p.out().dim();
                for (int k = 0; k < dOut; k++) {
                    assertEquals(0.0, out[(graph.numNodes() - 1) * dOut + k], "isolated node gets zeros");
                }
            }
        }
    }

    @Test
    void deterministicModeIsBitReproducibleAndIndependentOfEdgeOrder() {
        Random rng = new Random(5);
        TPProblem p = ProblemCatalog.problem("nequip-water").withSharedWeights(true);
        ConvGraph graph = awkwardGraph(rng, 30, 500, 2_000);
        int n = graph.numNodes();
        int m = graph.numEdges();
        double[] x = RandomData.normal(rng, n * p.in1().dim());
        double[] y = RandomData.normal(rng, m * p.in2().dim());
        double[] w = RandomData.normal(rng, p.weightNumel());
        double[] g = RandomData.normal(rng, n * p.out().dim());
        // a shuffled edge list of the same graph (repeated pairs keep their relative order)
        int[] perm = shuffleKeepingRepeatedPairsInOrder(graph, rng);
        int[] s2 = new int[m];
        int[] r2 = new int[m];
        double[] y2 = new double[y.length];
        int d2 = p.in2().dim();
        for (int k = 0; k < m; k++) {
            s2[k] = graph.sender(perm[k]);
            r2[k] = graph.receiver(perm[k]);
            System.arraycopy(y, perm[k] * d2, y2, k * d2, d2);
        }
        ConvGraph shuffled = ConvGraph.of(s2, r2, n);
        try (TensorProductConv conv = TensorProductConv.create(p, Backend.CPU, DType.FLOAT64, ConvMode.DETERMINISTIC)) {
            double[] first = conv.forward(x, y, w, graph);
            Gradients firstGrad = conv.backward(x, y, w, graph, g);
            for (int run = 0; run < 5; run++) {
                assertArrayEquals(first, conv.forward(x, y, w, graph), "run " + run);
                Gradients gr = conv.backward(x, y, w, graph, g);
                assertArrayEquals(firstGrad.x(), gr.x());
                assertArrayEquals(firstGrad.w(), gr.w());
            }
            assertArrayEquals(first, conv.forward(x, y2, w, shuffled), "shuffled edge order");
            Gradients gs = conv.backward(x, y2, w, shuffled, g);
            assertArrayEquals(firstGrad.x(), gs.x(), "x gradient, shuffled");
            assertArrayEquals(firstGrad.w(), gs.w(), "shared W gradient, shuffled");
        }
    }

    private static int[] shuffleKeepingRepeatedPairsInOrder(ConvGraph graph, Random rng) {
        return RandomGraphs.shuffleKeepingRepeatedPairsInOrder(graph, rng);
    }

    @Test
    void backwardAndDoubleBackwardMatchFiniteDifferencesOnASmallGraph() {
        Random rng = new Random(8);
        TPProblem p = RandomProblems.mixed(3, false, Layout.MUL_IR);
        ConvGraph graph = awkwardGraph(rng, 6, 14, 3);
        int n = graph.numNodes();
        int m = graph.numEdges();
        double[][] v = new double[4][];
        double[][] dir = new double[4][];
        double[][] seed = new double[3][];
        int[] sizes = {n * p.in1().dim(), m * p.in2().dim(), m * p.weightNumel(), n * p.out().dim()};
        for (int i = 0; i < 4; i++) {
            v[i] = RandomData.normal(rng, sizes[i]);
            dir[i] = RandomData.normal(rng, sizes[i]);
        }
        for (int i = 0; i < 3; i++) {
            seed[i] = RandomData.normal(rng, sizes[i]);
        }
        double h = 1e-5;
        try (TensorProductConv conv = TensorProductConv.create(p, Backend.CPU, DType.FLOAT64, ConvMode.ATOMIC)) {
            Gradients gr = conv.backward(v[0], v[1], v[2], graph, v[3]);
            double analytic = RandomData.dot(gr.x(), dir[0]) + RandomData.dot(gr.y(), dir[1]) + RandomData.dot(gr.w(), dir[2]);
            double lp = RandomData.dot(v[3], conv.forward(RandomData.axpy(v[0], h, dir[0]), RandomData.axpy(v[1], h, dir[1]),
                    RandomData.axpy(v[2], h, dir[2]), graph));
            double lm = RandomData.dot(v[3], conv.forward(RandomData.axpy(v[0], -h, dir[0]), RandomData.axpy(v[1], -h, dir[1]),
                    RandomData.axpy(v[2], -h, dir[2]), graph));
            assertEquals((lp - lm) / (2 * h), analytic, 1e-6 * Math.max(1, Math.abs(analytic)), "backward");

            DoubleGradients dd = conv.doubleBackward(v[0], v[1], v[2], graph, v[3], seed[0], seed[1], seed[2]);
            double analytic2 = RandomData.dot(dd.x(), dir[0]) + RandomData.dot(dd.y(), dir[1])
                    + RandomData.dot(dd.w(), dir[2]) + RandomData.dot(dd.gradOut(), dir[3]);
            double[] l2 = new double[2];
            for (int sgn = 0; sgn < 2; sgn++) {
                double t = sgn == 0 ? h : -h;
                Gradients g2 = conv.backward(RandomData.axpy(v[0], t, dir[0]), RandomData.axpy(v[1], t, dir[1]),
                        RandomData.axpy(v[2], t, dir[2]), graph, RandomData.axpy(v[3], t, dir[3]));
                l2[sgn] = RandomData.dot(g2.x(), seed[0]) + RandomData.dot(g2.y(), seed[1]) + RandomData.dot(g2.w(), seed[2]);
            }
            assertEquals((l2[0] - l2[1]) / (2 * h), analytic2, 1e-6 * Math.max(1, Math.abs(analytic2)), "double backward");
            // and the reference backend agrees on double backward
            try (TensorProductConv ref = TensorProductConv.create(p, Backend.CPU_REFERENCE, DType.FLOAT64, ConvMode.ATOMIC)) {
                DoubleGradients rd = ref.doubleBackward(v[0], v[1], v[2], graph, v[3], seed[0], seed[1], seed[2]);
                Tolerance.assertClose(rd.x(), dd.x(), Tolerance.FLOAT64, "dd x");
                Tolerance.assertClose(rd.gradOut(), dd.gradOut(), Tolerance.FLOAT64, "dd gradOut");
            }
        }
    }

    @Test
    void emptyGraphIsValidAndBadIndicesFailBeforeWork() {
        TPProblem p = ProblemCatalog.problem("nequip-water");
        try (TensorProductConv conv = TensorProductConv.create(p, Backend.CPU, DType.FLOAT64, ConvMode.ATOMIC)) {
            double[] out = conv.forward(new double[3 * p.in1().dim()], new double[0], new double[0],
                    new int[0], new int[0], 3);
            assertEquals(3 * p.out().dim(), out.length);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ConvGraph.of(new int[] {0, 5}, new int[] {1, 1}, 3));
            assertTrue(e.getMessage().contains("edge 1: sender 5"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> ConvGraph.of(new int[] {0}, new int[] {-1}, 3));
            assertTrue(e.getMessage().contains("receiver -1"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> ConvGraph.of(new int[] {0, 1}, new int[] {1}, 3));
            assertTrue(e.getMessage().contains("sender has 2 edges but receiver has 1"), e.getMessage());
            ConvGraph g = ConvGraph.of(new int[] {0, 1}, new int[] {1, 2}, 3);
            e = assertThrows(IllegalArgumentException.class, () -> conv.forward(new double[3 * p.in1().dim()],
                    new double[2 * p.in2().dim()], new double[p.weightNumel()], g));
            assertTrue(e.getMessage().startsWith("w has") && e.getMessage().contains("edges (2)"), e.getMessage());
        }
    }
}
