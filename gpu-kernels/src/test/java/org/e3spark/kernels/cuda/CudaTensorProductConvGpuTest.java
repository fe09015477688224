package org.e3spark.kernels.cuda;

import org.e3spark.kernels.gpu.GpuTest;

import org.e3spark.kernels.gpu.DeviceConvGraph;
import org.e3spark.kernels.gpu.DeviceAllocator;
import org.e3spark.kernels.gpu.DeviceBuffer;
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
import org.e3spark.kernels.Backend;
import org.e3spark.kernels.ConvGraph;
import org.e3spark.kernels.ConvMode;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.DoubleGradients;
import org.e3spark.kernels.DoubleGradientsF32;
import org.e3spark.kernels.Gradients;
import org.e3spark.kernels.GradientsF32;
import org.e3spark.kernels.Layout;
import org.e3spark.kernels.ProblemCatalog;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.TensorProductConv;
import org.e3spark.kernels.testing.Golden;
import org.e3spark.kernels.testing.RandomData;
import org.e3spark.kernels.testing.RandomGraphs;
import org.e3spark.kernels.testing.RandomProblems;
import org.e3spark.kernels.testing.Tolerance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CUDA fused convolution in both modes against e3nn's goldens and the float64 CPU oracle on
 * awkward graphs (asymmetric, self loops, repeated edges, isolated nodes, a hub of 10,000 edges),
 * every direction, both dtypes; deterministic mode bit for bit across runs and edge orders;
 * poisoned outputs; empty graphs; argument errors.
 */
@GpuTest
class CudaTensorProductConvGpuTest {

    private static final String[] NAMES = {"out", "grad x", "grad y", "grad w", "dd x", "dd y", "dd w", "dd gradOut"};

    static Stream<Arguments> goldens() {
        List<Arguments> cases = new ArrayList<>();
        for (String file : Golden.filesOfKind("convolution")) {
            for (ConvMode mode : ConvMode.values()) {
                cases.add(Arguments.of(file, mode));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("goldens")
    void matchesE3nnGoldens(String file, ConvMode mode) {
        JsonNode g = Golden.read(file);
        TPProblem p = Golden.problem(g);
        ConvGraph graph = ConvGraph.of(Golden.ints(g, "sender"), Golden.ints(g, "receiver"), g.get("nodes").asInt());
        double[] x = Golden.doubles(g, "x");
        double[] y = Golden.doubles(g, "y");
        double[] w = Golden.doubles(g, "w");
        double[] gOut = Golden.doubles(g, "grad_out");
        double[][] expected = {Golden.doubles(g, "out"), Golden.doubles(g, "grad_x"), Golden.doubles(g, "grad_y"),
                Golden.doubles(g, "grad_w")};
        try (TensorProductConv conv = TensorProductConv.create(p, Backend.CUDA, DType.FLOAT64, mode)) {
            assertEquals(Backend.CUDA, conv.backend());
            Gradients gr = conv.backward(x, y, w, graph, gOut);
            double[][] actual = {conv.forward(x, y, w, graph), gr.x(), gr.y(), gr.w()};
            for (int i = 0; i < actual.length; i++) {
                Tolerance.assertClose(expected[i], actual[i], Tolerance.FLOAT64, file + " f64 " + NAMES[i]);
            }
        }
        try (TensorProductConv conv = TensorProductConv.create(p, Backend.CUDA, DType.FLOAT32, mode)) {
            float[] fx = RandomData.toFloat(x);
            float[] fy = RandomData.toFloat(y);
            float[] fw = RandomData.toFloat(w);
            GradientsF32 gr = conv.backward(fx, fy, fw, graph, RandomData.toFloat(gOut));
            float[][] actual = {conv.forward(fx, fy, fw, graph), gr.x(), gr.y(), gr.w()};
            for (int i = 0; i < actual.length; i++) {
                double tol = i == 0 ? Tolerance.FLOAT32_FORWARD : Tolerance.FLOAT32_BACKWARD;
                Tolerance.assertClose(expected[i], actual[i], tol, file + " f32 " + NAMES[i]);
            }
        }
    }

    static Stream<Arguments> awkwardCases() {
        List<Arguments> cases = new ArrayList<>();
        for (ConvMode mode : ConvMode.values()) {
            cases.add(Arguments.of("nequip-water", false, mode, 10_000));
            cases.add(Arguments.of("nequip-water", true, mode, 10_000));
            cases.add(Arguments.of("mixed-3", false, mode, 700));
            cases.add(Arguments.of("mixed-4", true, mode, 700));
            cases.add(Arguments.of("mace-large", false, mode, 300));
        }
        return cases.stream();
    }

    private static TPProblem named(String name, boolean shared) {
        return switch (name) {
            case "mixed-3" -> RandomProblems.mixed(3, shared, Layout.MUL_IR);
            case "mixed-4" -> RandomProblems.mixed(4, shared, Layout.IR_MUL);
            default -> ProblemCatalog.problem(name).withSharedWeights(shared);
        };
    }

    @ParameterizedTest(name = "{0} shared={1} {2} hub={3}")
    @MethodSource("awkwardCases")
    void awkwardGraphsMatchTheCpuOracleInEveryDirection(String name, boolean shared, ConvMode mode, int hub) {
        TPProblem p = named(name, shared);
        Random rng = new Random(name.hashCode() * 31L + hub + (shared ? 1 : 0));
        ConvGraph graph = RandomGraphs.awkward(rng, 41, 300, hub);
        double[][] in = inputs(p, graph, rng);
        double[][] expected;
        try (TensorProductConv cpu = TensorProductConv.create(p, Backend.CPU, DType.FLOAT64, mode)) {
            Gradients gr = cpu.backward(in[0], in[1], in[2], graph, in[3]);
            DoubleGradients dd = cpu.doubleBackward(in[0], in[1], in[2], graph, in[3], in[4], in[5], in[6]);
            expected = new double[][] {cpu.forward(in[0], in[1], in[2], graph), gr.x(), gr.y(), gr.w(), dd.x(), dd.y(),
                    dd.w(), dd.gradOut()};
        }
        String what = name + " shared=" + shared + " " + mode;
        try (TensorProductConv gpu = TensorProductConv.create(p, Backend.CUDA, DType.FLOAT64, mode)) {
            Gradients gr = gpu.backward(in[0], in[1], in[2], graph, in[3]);
            DoubleGradients dd = gpu.doubleBackward(in[0], in[1], in[2], graph, in[3], in[4], in[5], in[6]);
            double[][] actual = {gpu.forward(in[0], in[1], in[2], graph), gr.x(), gr.y(), gr.w(), dd.x(), dd.y(),
                    dd.w(), dd.gradOut()};
            for (int i = 0; i < actual.length; i++) {
                Tolerance.assertClose(expected[i], actual[i], Tolerance.FLOAT64, what + " f64 " + NAMES[i]);
            }
            int dOut = p.out().dim();
            for (int k = 0; k < dOut; k++) {
                assertEquals(0.0, actual[0][(graph.numNodes() - 1) * dOut + k], "isolated node gets zeros");
            }
        }
        float[][] f = new float[in.length][];
        for (int i = 0; i < in.length; i++) {
            f[i] = RandomData.toFloat(in[i]);
        }
        try (TensorProductConv gpu = TensorProductConv.create(p, Backend.CUDA, DType.FLOAT32, mode)) {
            GradientsF32 gr = gpu.backward(f[0], f[1], f[2], graph, f[3]);
            DoubleGradientsF32 dd = gpu.doubleBackward(f[0], f[1], f[2], graph, f[3], f[4], f[5], f[6]);
            float[][] actual = {gpu.forward(f[0], f[1], f[2], graph), gr.x(), gr.y(), gr.w(), dd.x(), dd.y(), dd.w(),
                    dd.gradOut()};
            for (int i = 0; i < actual.length; i++) {
                double tol = i == 0 ? Tolerance.FLOAT32_FORWARD : Tolerance.FLOAT32_BACKWARD;
                Tolerance.assertClose(expected[i], actual[i], tol, what + " f32 " + NAMES[i]);
            }
        }
    }

    /** x, y, w, gradOut, then the double-backward seeds dx, dy, dw; random normal. */
    private static double[][] inputs(TPProblem p, ConvGraph graph, Random rng) {
        int n = graph.numNodes();
        int m = graph.numEdges();
        int wn = p.sharedWeights() ? p.weightNumel() : m * p.weightNumel();
        return new double[][] {RandomData.normal(rng, n * p.in1().dim()), RandomData.normal(rng, m * p.in2().dim()),
                RandomData.normal(rng, wn), RandomData.normal(rng, n * p.out().dim()),
                RandomData.normal(rng, n * p.in1().dim()), RandomData.normal(rng, m * p.in2().dim()),
                RandomData.normal(rng, wn)};
    }

    @Test
    void deterministicModeIsBitReproducibleAndIndependentOfEdgeOrder() {
        for (boolean shared : new boolean[] {true, false}) {
            TPProblem p = ProblemCatalog.problem("nequip-water").withSharedWeights(shared);
            Random rng = new Random(shared ? 5 : 6);
            ConvGraph graph = RandomGraphs.awkward(rng, 30, 3000, 10_000);
            double[][] in = inputs(p, graph, rng);
            int[] perm = RandomGraphs.shuffleKeepingRepeatedPairsInOrder(graph, rng);
            ConvGraph shuffled = RandomGraphs.permuted(graph, perm);
            float[] x = RandomData.toFloat(in[0]);
            float[] y = RandomData.toFloat(in[1]);
            float[] w = RandomData.toFloat(in[2]);
            float[] g = RandomData.toFloat(in[3]);
            float[] y2 = RandomData.toFloat(RandomGraphs.permuteRows(in[1], p.in2().dim(), perm));
            float[] w2 = shared ? w : RandomData.toFloat(RandomGraphs.permuteRows(in[2], p.weightNumel(), perm));
            try (TensorProductConv conv = TensorProductConv.create(p, Backend.CUDA, DType.FLOAT32, ConvMode.DETERMINISTIC)) {
                float[] first = conv.forward(x, y, w, graph);
                GradientsF32 firstGrad = conv.backward(x, y, w, graph, g);
                for (int run = 0; run < 5; run++) {
                    assertArrayEquals(first, conv.forward(x, y, w, graph), "forward, run " + run);
                    GradientsF32 gr = conv.backward(x, y, w, graph, g);
                    assertArrayEquals(firstGrad.x(), gr.x(), "x gradient, run " + run);
                    assertArrayEquals(firstGrad.y(), gr.y(), "y gradient, run " + run);
                    assertArrayEquals(firstGrad.w(), gr.w(), "w gradient, run " + run);
                }
                assertArrayEquals(first, conv.forward(x, y2, w2, shuffled), "forward, shuffled edge order");
                GradientsF32 gs = conv.backward(x, y2, w2, shuffled, g);
                assertArrayEquals(firstGrad.x(), gs.x(), "x gradient, shuffled");
                if (shared) {
                    assertArrayEquals(firstGrad.w(), gs.w(), "shared w gradient, shuffled");
                } else {
                    assertArrayEquals(permute(firstGrad.w(), p.weightNumel(), perm), gs.w(), "w gradient, shuffled");
                }
                assertArrayEquals(permute(firstGrad.y(), p.in2().dim(), perm), gs.y(), "y gradient, shuffled");
            }
        }
    }

    private static float[] permute(float[] rows, int dim, int[] perm) {
        return RandomData.toFloat(RandomGraphs.permuteRows(RandomData.toDouble(rows), dim, perm));
    }

    @Test
    void everyOutputIsWrittenOverPoisonAndNothingLeaks() {
        TPProblem p = ProblemCatalog.problem("nequip-water");
        Random rng = new Random(3);
        ConvGraph graph = RandomGraphs.awkward(rng, 57, 900, 2000);
        int n = graph.numNodes();
        int m = graph.numEdges();
        CudaDevice gpu = CudaRuntime.defaultDevice();
        for (ConvMode mode : ConvMode.values()) {
            try (CudaTensorProductConv conv = CudaTensorProductConv.create(p, DType.FLOAT32, mode, gpu);
                 DeviceAllocator alloc = gpu.newAllocator("conv-poison-test");
                 CudaStream stream = gpu.createStream();
                 DeviceConvGraph dg = conv.prepare(graph)) {
                DeviceBuffer x = upload(alloc, RandomData.toFloat(RandomData.normal(rng, n * p.in1().dim())));
                DeviceBuffer y = upload(alloc, RandomData.toFloat(RandomData.normal(rng, m * p.in2().dim())));
                DeviceBuffer w = upload(alloc, RandomData.toFloat(RandomData.normal(rng, m * p.weightNumel())));
                DeviceBuffer g = upload(alloc, RandomData.toFloat(RandomData.normal(rng, n * p.out().dim())));
                DeviceBuffer out = upload(alloc, nans(n * p.out().dim()));
                DeviceBuffer gx = upload(alloc, nans(n * p.in1().dim()));
                DeviceBuffer gy = upload(alloc, nans(m * p.in2().dim()));
                DeviceBuffer gw = upload(alloc, nans(m * p.weightNumel()));
                conv.forward(x, y, w, out, dg, stream);
                conv.backward(x, y, w, g, gx, gy, gw, dg, stream);
                stream.synchronize();
                for (DeviceBuffer b : new DeviceBuffer[] {out, gx, gy, gw}) {
                    float[] host = new float[Math.toIntExact(b.byteSize() / 4)];
                    b.copyTo(host);
                    for (int i = 0; i < host.length; i++) {
                        assertTrue(Float.isFinite(host[i]), mode + ": element " + i + " of " + b + " was not written");
                    }
                }
                float[] expected = conv.forward(RandomData.toFloat(download(x)), RandomData.toFloat(download(y)),
                        RandomData.toFloat(download(w)), graph);
                if (mode == ConvMode.DETERMINISTIC) {
                    assertArrayEquals(expected, RandomData.toFloat(download(out)), "device API = host API, bit for bit");
                } else {
                    Tolerance.assertClose(RandomData.toDouble(expected), RandomData.toFloat(download(out)),
                            Tolerance.FLOAT32_FORWARD, "atomic: device API = host API");
                }
                for (DeviceBuffer b : new DeviceBuffer[] {x, y, w, g, out, gx, gy, gw}) {
                    b.close();
                }
                assertEquals(0, alloc.outstandingBytes());
            }
        }
    }

    @Test
    void emptyGraphGivesZerosAndBadArgumentsFailBeforeLaunch() {
        TPProblem p = ProblemCatalog.problem("nequip-water");
        try (TensorProductConv conv = TensorProductConv.create(p, Backend.AUTO, DType.FLOAT64, ConvMode.DETERMINISTIC)) {
            assertEquals(Backend.CUDA, conv.backend());
            double[] out = conv.forward(RandomData.normal(new Random(1), 3 * p.in1().dim()), new double[0], new double[0],
                    new int[0], new int[0], 3);
            assertArrayEquals(new double[3 * p.out().dim()], out);
            Gradients gr = conv.backward(RandomData.normal(new Random(2), 3 * p.in1().dim()), new double[0],
                    new double[0], new int[0], new int[0], 3, RandomData.normal(new Random(3), 3 * p.out().dim()));
            assertArrayEquals(new double[3 * p.in1().dim()], gr.x());
        }
        CudaDevice gpu = CudaRuntime.defaultDevice();
        ConvGraph graph = ConvGraph.of(new int[] {0, 1}, new int[] {1, 2}, 3);
        try (CudaTensorProductConv conv = CudaTensorProductConv.create(p, DType.FLOAT32, ConvMode.ATOMIC, gpu);
             DeviceAllocator alloc = gpu.newAllocator("conv-args-test");
             CudaStream stream = gpu.createStream();
             DeviceConvGraph dg = conv.prepare(graph);
             DeviceBuffer small = alloc.allocate(16)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> conv.forward(small, small, small, small, dg, stream));
            assertTrue(e.getMessage().startsWith("x holds 16 bytes"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> conv.forward(new float[3 * p.in1().dim()],
                    new float[2 * p.in2().dim()], new float[p.weightNumel()], graph));
            assertTrue(e.getMessage().startsWith("w has"), e.getMessage());
        }
    }

    /** Every problem this class compiles convolution kernels for (the GPU run warms the cache with them). */
    static List<TPProblem> problemsUsed() {
        List<TPProblem> all = new ArrayList<>();
        for (String file : Golden.filesOfKind("convolution")) {
            all.add(Golden.problem(Golden.read(file)));
        }
        awkwardCases().map(a -> named((String) a.get()[0], (Boolean) a.get()[1])).distinct().forEach(all::add);
        return all;
    }

    private static float[] nans(int n) {
        float[] a = new float[n];
        Arrays.fill(a, Float.NaN);
        return a;
    }

    private static DeviceBuffer upload(DeviceAllocator alloc, float[] host) {
        DeviceBuffer b = alloc.allocate(host.length * 4L);
        b.copyFrom(host);
        return b;
    }

    private static double[] download(DeviceBuffer b) {
        float[] host = new float[Math.toIntExact(b.byteSize() / 4)];
        b.copyTo(host);
        return RandomData.toDouble(host);
    }
}
