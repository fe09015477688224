package org.e3spark.kernels.cuda;

import org.e3spark.kernels.gpu.GpuTest;

import org.e3spark.kernels.gpu.DeviceAllocator;
import org.e3spark.kernels.gpu.DeviceBuffer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.e3spark.kernels.Backend;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.DoubleGradients;
import org.e3spark.kernels.DoubleGradientsF32;
import org.e3spark.kernels.Gradients;
import org.e3spark.kernels.GradientsF32;
import org.e3spark.kernels.Irreps;
import org.e3spark.kernels.Layout;
import org.e3spark.kernels.ProblemCatalog;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.TPProblems;
import org.e3spark.kernels.TensorProduct;
import org.e3spark.kernels.testing.Golden;
import org.e3spark.kernels.testing.RandomData;
import org.e3spark.kernels.testing.RandomProblems;
import org.e3spark.kernels.testing.Tolerance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CUDA tensor product against e3nn's goldens and against the float64 CPU oracle, in every
 * direction, both dtypes and both layouts; poisoned outputs; concurrency; argument errors.
 */
@GpuTest
class CudaTensorProductGpuTest {

    static Stream<Arguments> goldens() {
        List<Arguments> cases = new ArrayList<>();
        for (String file : Golden.filesOfKind("tensor_product")) {
            for (Layout layout : Layout.values()) {
                cases.add(Arguments.of(file, layout));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("goldens")
    void matchesE3nnGoldens(String file, Layout layout) {
        JsonNode g = Golden.read(file);
        TPProblem p = Golden.problem(g).withLayout(layout);
        int batch = g.get("batch").asInt();
        double[][] in = {
                toLayout(p.in1(), Golden.doubles(g, "x"), layout, batch), toLayout(p.in2(), Golden.doubles(g, "y"), layout, batch),
                Golden.doubles(g, "w"), toLayout(p.out(), Golden.doubles(g, "grad_out"), layout, batch),
                toLayout(p.in1(), Golden.doubles(g, "dd_seed_x"), layout, batch),
                toLayout(p.in2(), Golden.doubles(g, "dd_seed_y"), layout, batch), Golden.doubles(g, "dd_seed_w")};
        double[][] expected = {
                toLayout(p.out(), Golden.doubles(g, "out"), layout, batch),
                toLayout(p.in1(), Golden.doubles(g, "grad_x"), layout, batch),
                toLayout(p.in2(), Golden.doubles(g, "grad_y"), layout, batch), Golden.doubles(g, "grad_w"),
                toLayout(p.in1(), Golden.doubles(g, "dd_grad_x"), layout, batch),
                toLayout(p.in2(), Golden.doubles(g, "dd_grad_y"), layout, batch), Golden.doubles(g, "dd_grad_w"),
                toLayout(p.out(), Golden.doubles(g, "dd_grad_grad_out"), layout, batch)};
        compareAllDirections(p, batch, in, expected, file);
    }

    static Stream<Arguments> catalog() {
        List<Arguments> cases = new ArrayList<>();
        for (String name : ProblemCatalog.names()) {
            for (int batch : new int[] {1, 37, 4097}) {
                cases.add(Arguments.of(name, batch));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} batch {1}")
    @MethodSource("catalog")
    void specProblemsMatchTheCpuOracle(String name, int batch) {
        TPProblem p = ProblemCatalog.problem(name);
        compareWithCpu(p, batch, name.hashCode() + batch);
    }

    static Stream<Arguments> randomProblems() {
        List<Arguments> cases = new ArrayList<>();
        for (long seed = 1; seed <= 8; seed++) {
            cases.add(Arguments.of(seed, seed % 2 == 0, seed % 3 == 0 ? Layout.IR_MUL : Layout.MUL_IR));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "seed {0} shared={1} {2}")
    @MethodSource("randomProblems")
    void randomMixedProblemsMatchTheCpuOracle(long seed, boolean shared, Layout layout) {
        compareWithCpu(RandomProblems.mixed(seed, shared, layout), 207, seed);
    }

    private static TPProblem wideChannelwise() {
        return TPProblems.channelwise(Irreps.parse("96x0e+80x1o+33x2e"), Irreps.parse("3x0e+2x1o+1x2e"),
                Irreps.parse("0e+1o+2e+1e+3o"));
    }

    private static TPProblem wideFullyConnected() {
        return TPProblems.fullyConnected(Irreps.parse("40x0e+36x1o"), Irreps.parse("2x0e+2x1o"),
                Irreps.parse("48x0e+35x1o+3x2e"), true);
    }

    @Test
    void wideMultiplicitiesAndSeveralInput2Channels() {
        compareWithCpu(wideChannelwise(), 129, 5);
        compareWithCpu(wideChannelwise().withSharedWeights(true).withLayout(Layout.IR_MUL), 65, 6);
        compareWithCpu(wideFullyConnected(), 33, 7);
    }

    /** Every problem the tests of this class compile kernels for (the GPU run warms the cache with them). */
    static List<TPProblem> problemsUsed() {
        List<TPProblem> all = new ArrayList<>();
        goldens().forEach(a -> all.add(Golden.problem(Golden.read((String) a.get()[0])).withLayout((Layout) a.get()[1])));
        ProblemCatalog.names().forEach(n -> all.add(ProblemCatalog.problem(n)));
        randomProblems().forEach(a -> all.add(RandomProblems.mixed((Long) a.get()[0], (Boolean) a.get()[1],
                (Layout) a.get()[2])));
        all.add(wideChannelwise());
        all.add(wideChannelwise().withSharedWeights(true).withLayout(Layout.IR_MUL));
        all.add(wideFullyConnected());
        return all;
    }

    /** Forward, backward and double backward on the GPU against the float64 CPU oracle, both dtypes. */
    private static void compareWithCpu(TPProblem p, int batch, long seed) {
        Random rng = new Random(seed);
        int wn = p.sharedWeights() ? p.weightNumel() : batch * p.weightNumel();
        double[][] in = {RandomData.normal(rng, batch * p.in1().dim()), RandomData.normal(rng, batch * p.in2().dim()),
                RandomData.normal(rng, wn), RandomData.normal(rng, batch * p.out().dim()),
                RandomData.normal(rng, batch * p.in1().dim()), RandomData.normal(rng, batch * p.in2().dim()),
                RandomData.normal(rng, wn)};
        double[][] expected;
        try (TensorProduct cpu = TensorProduct.create(p, Backend.CPU, DType.FLOAT64)) {
            double[] out = cpu.forward(in[0], in[1], in[2], batch);
            Gradients gr = cpu.backward(in[0], in[1], in[2], in[3], batch);
            DoubleGradients dd = cpu.doubleBackward(in[0], in[1], in[2], in[3], in[4], in[5], in[6], batch);
            expected = new double[][] {out, gr.x(), gr.y(), gr.w(), dd.x(), dd.y(), dd.w(), dd.gradOut()};
        }
        compareAllDirections(p, batch, in, expected, p.toString() + " seed " + seed);
    }

    private static final String[] NAMES = {"out", "grad x", "grad y", "grad w", "dd x", "dd y", "dd w", "dd gradOut"};

    private static void compareAllDirections(TPProblem p, int batch, double[][] in, double[][] expected, String what) {
        try (TensorProduct gpu = TensorProduct.create(p, Backend.CUDA, DType.FLOAT64)) {
            assertEquals(Backend.CUDA, gpu.backend());
            double[] out = gpu.forward(in[0], in[1], in[2], batch);
            Gradients gr = gpu.backward(in[0], in[1], in[2], in[3], batch);
            DoubleGradients dd = gpu.doubleBackward(in[0], in[1], in[2], in[3], in[4], in[5], in[6], batch);
            double[][] actual = {out, gr.x(), gr.y(), gr.w(), dd.x(), dd.y(), dd.w(), dd.gradOut()};
            for (int i = 0; i < actual.length; i++) {
                Tolerance.assertClose(expected[i], actual[i], Tolerance.FLOAT64, what + " f64 " + NAMES[i]);
            }
        }
        float[][] f = new float[in.length][];
        for (int i = 0; i < in.length; i++) {
            f[i] = RandomData.toFloat(in[i]);
        }
        try (TensorProduct gpu = TensorProduct.create(p, Backend.CUDA, DType.FLOAT32)) {
            float[] out = gpu.forward(f[0], f[1], f[2], batch);
            GradientsF32 gr = gpu.backward(f[0], f[1], f[2], f[3], batch);
            DoubleGradientsF32 dd = gpu.doubleBackward(f[0], f[1], f[2], f[3], f[4], f[5], f[6], batch);
            float[][] actual = {out, gr.x(), gr.y(), gr.w(), dd.x(), dd.y(), dd.w(), dd.gradOut()};
            for (int i = 0; i < actual.length; i++) {
                double tol = i == 0 ? Tolerance.FLOAT32_FORWARD : Tolerance.FLOAT32_BACKWARD;
                Tolerance.assertClose(expected[i], actual[i], tol, what + " f32 " + NAMES[i]);
            }
        }
    }

    @Test
    void everyOutputElementIsWrittenOverPoison() {
        TPProblem p = ProblemCatalog.problem("nequip-lips");
        int batch = 1001;
        Random rng = new Random(3);
        CudaDevice gpu = CudaRuntime.defaultDevice();
        try (CudaTensorProduct tp = CudaTensorProduct.create(p, DType.FLOAT32, gpu);
             DeviceAllocator alloc = gpu.newAllocator("poison-test");
             CudaStream stream = gpu.createStream()) {
            DeviceBuffer x = upload(alloc, RandomData.toFloat(RandomData.normal(rng, batch * p.in1().dim())));
            DeviceBuffer y = upload(alloc, RandomData.toFloat(RandomData.normal(rng, batch * p.in2().dim())));
            DeviceBuffer w = upload(alloc, RandomData.toFloat(RandomData.normal(rng, batch * p.weightNumel())));
            DeviceBuffer g = upload(alloc, RandomData.toFloat(RandomData.normal(rng, batch * p.out().dim())));
            DeviceBuffer out = upload(alloc, nans(batch * p.out().dim()));
            DeviceBuffer gx = upload(alloc, nans(batch * p.in1().dim()));
            DeviceBuffer gy = upload(alloc, nans(batch * p.in2().dim()));
            DeviceBuffer gw = upload(alloc, nans(batch * p.weightNumel()));
            tp.forward(x, y, w, out, batch, stream);
            tp.backward(x, y, w, g, gx, gy, gw, batch, stream);
            stream.synchronize();
            for (DeviceBuffer b : new DeviceBuffer[] {out, gx, gy, gw}) {
                float[] host = new float[Math.toIntExact(b.byteSize() / 4)];
                b.copyTo(host);
                for (int i = 0; i < host.length; i++) {
                    assertTrue(Float.isFinite(host[i]), "element " + i + " of " + b + " was not written");
                }
            }
            for (DeviceBuffer b : new DeviceBuffer[] {x, y, w, g, out, gx, gy, gw}) {
                b.close();
            }
            assertEquals(0, alloc.outstandingBytes());
        }
    }

    @Test
    void twoInstancesOnTwoThreadsGiveTheSingleThreadedResults() throws Exception {
        TPProblem p = ProblemCatalog.problem("mace-medium");
        int batch = 3000;
        Random rng = new Random(9);
        double[] x = RandomData.normal(rng, batch * p.in1().dim());
        double[] y = RandomData.normal(rng, batch * p.in2().dim());
        double[] w = RandomData.normal(rng, batch * p.weightNumel());
        try (TensorProduct a = TensorProduct.create(p, Backend.CUDA, DType.FLOAT64);
             TensorProduct b = TensorProduct.create(p, Backend.CUDA, DType.FLOAT64)) {
            double[] single = a.forward(x, y, w, batch);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<double[]>> results = new ArrayList<>();
                for (int r = 0; r < 4; r++) {
                    results.add(pool.submit(() -> a.forward(x, y, w, batch)));
                    results.add(pool.submit(() -> b.forward(x, y, w, batch)));
                }
                for (Future<double[]> f : results) {
                    assertTrue(Arrays.equals(single, f.get()), "concurrent result differs");
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void autoPicksCudaAndBadArgumentsFailBeforeLaunch() {
        TPProblem p = ProblemCatalog.problem("nequip-water");
        try (TensorProduct auto = TensorProduct.create(p, Backend.AUTO, DType.FLOAT32)) {
            assertEquals(Backend.CUDA, auto.backend());
        }
        CudaDevice gpu = CudaRuntime.defaultDevice();
        try (CudaTensorProduct tp = CudaTensorProduct.create(p, DType.FLOAT32, gpu);
             DeviceAllocator alloc = gpu.newAllocator("args-test");
             CudaStream stream = gpu.createStream();
             DeviceBuffer small = alloc.allocate(16)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> tp.forward(small, small, small, small, 10, stream));
            assertTrue(e.getMessage().startsWith("x holds 16 bytes"), e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> tp.forward(new double[p.in1().dim()], new double[p.in2().dim()], new double[p.weightNumel()], 1));
        }
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

    private static double[] toLayout(Irreps irreps, double[] mulIr, Layout layout, int rows) {
        if (layout == Layout.MUL_IR) {
            return mulIr;
        }
        double[] out = new double[mulIr.length];
        irreps.convertLayout(mulIr, Layout.MUL_IR, out, layout, rows);
        return out;
    }
}
