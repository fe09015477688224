package org.e3spark.kernels.cuda;

import org.e3spark.kernels.gpu.GpuTest;

import org.e3spark.kernels.gpu.DeviceAllocator;
import org.e3spark.kernels.gpu.DeviceBuffer;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.e3spark.kernels.Backend;
import org.e3spark.kernels.CgConvention;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.Irreps;
import org.e3spark.kernels.SymmetricContraction;
import org.e3spark.kernels.SymmetricContractionProblem;
import org.e3spark.kernels.BackendUnavailableException;
import org.e3spark.kernels.testing.Golden;
import org.e3spark.kernels.testing.RandomData;
import org.e3spark.kernels.testing.SafeTensorsFile;
import org.e3spark.kernels.testing.ScGolden;
import org.e3spark.kernels.testing.ScOracle;
import org.e3spark.kernels.testing.Tolerance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CUDA symmetric contraction against MACE's goldens and the float64 CPU oracle in every
 * direction (forward, backward x and w, double backward x, w and gradOut), both dtypes: float64 within
 * 1e-12 of the oracle, float32 within SPEC §8's 1e-5 forward / 1e-4 backward. Random problems of
 * correlation 1-4 with odd-parity outputs, 1, 3 and 128 channels, batches 0, 1, 7 and 4097; poisoned
 * outputs through the device-resident API on a caller's stream (bad species rows included);
 * determinism; AUTO; closed instances and bad arguments.
 */
@GpuTest
class CudaSymmetricContractionGpuTest {

    static SymmetricContractionProblem sc(String in, String out, int corr, int elements, CgConvention conv) {
        return SymmetricContractionProblem.builder(Irreps.parse(in), Irreps.parse(out)).correlation(corr)
                .elements(elements).convention(conv).build();
    }

    static Map<String, SymmetricContractionProblem> randomProblems() {
        Map<String, SymmetricContractionProblem> m = new LinkedHashMap<>();
        m.put("corr1 C=3", sc("3x0e+3x1o", "3x1o", 1, 2, CgConvention.E3NN));
        m.put("corr2 C=3", sc("3x0e+3x1o+3x2e", "3x0e+3x1o+3x2e", 2, 3, CgConvention.E3NN));
        m.put("corr3 odd C=3 legacy", sc("3x0e+3x1o+3x2e", "3x1o+3x2e", 3, 4, CgConvention.LEGACY_E3NN_044));
        m.put("corr4 C=1", sc("1x0e+1x1o", "1x0e+1x1o", 4, 2, CgConvention.E3NN));
        m.put("mace-mp-medium C=128", sc("128x0e+128x1o+128x2e+128x3o", "128x0e+128x1o", 3, 10, CgConvention.E3NN));
        return m;
    }

    /** Every problem the GPU tests and sc-bench compile (for KernelPrewarm). */
    public static List<SymmetricContractionProblem> problemsUsed() {
        List<SymmetricContractionProblem> all = new ArrayList<>(randomProblems().values());
        for (Arguments a : goldens().toList()) {
            if (a.get()[1] == DType.FLOAT64) {
                ScGolden c = (ScGolden) a.get()[0];
                all.add(c.problem(c.read()));
            }
        }
        all.add(sc("32x0e+32x1o+32x2e+32x3o", "32x0e+32x1o", 3, 4, CgConvention.E3NN)); // sc-bench's second shape
        return all.stream().distinct().toList();
    }

    static Stream<Arguments> randomCases() {
        List<Arguments> cases = new ArrayList<>();
        for (String name : randomProblems().keySet()) {
            for (DType dt : DType.values()) {
                cases.add(Arguments.of(name, dt));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("randomCases")
    void matchesTheCpuOracleInEveryDirection(String name, DType dt) {
        SymmetricContractionProblem p = randomProblems().get(name);
        try (SymmetricContraction cuda = SymmetricContraction.create(p, Backend.CUDA, dt)) {
            assertEquals(Backend.CUDA, cuda.backend());
            for (int batch : new int[] {0, 1, 7, 4097}) {
                ScOracle.Inputs in = ScOracle.random(p, batch, 1000L + batch, 0);
                compare(cuda, p, dt, dt == DType.FLOAT32 ? in.roundedToFloat() : in, name + " " + dt + " batch " + batch);
            }
        }
    }

    /** Runs every direction through the host API and compares with the oracle. */
    private static void compare(SymmetricContraction cuda, SymmetricContractionProblem p, DType dt, ScOracle.Inputs in,
                                String what) {
        ScOracle.Expected ex = ScOracle.expected(p, in);
        double fwd = dt == DType.FLOAT64 ? Tolerance.FLOAT64 : Tolerance.FLOAT32_FORWARD;
        double bwd = dt == DType.FLOAT64 ? Tolerance.FLOAT64 : Tolerance.FLOAT32_BACKWARD;
        int b = in.batch();
        if (dt == DType.FLOAT64) {
            Tolerance.assertClose(ex.out(), cuda.forward(in.x(), in.species(), in.w(), b), fwd, what + " out");
            SymmetricContraction.Gradients<double[]> g = cuda.backward(in.x(), in.species(), in.w(), in.g(), b);
            Tolerance.assertClose(ex.gx(), g.x(), bwd, what + " gx");
            Tolerance.assertClose(ex.gw(), g.w(), bwd, what + " gw");
            SymmetricContraction.DoubleGradients<double[]> d = cuda.doubleBackward(in.x(), in.species(), in.w(), in.g(),
                    in.dx(), in.dw(), b);
            Tolerance.assertClose(ex.ggx(), d.x(), bwd, what + " ggx");
            Tolerance.assertClose(ex.ggw(), d.w(), bwd, what + " ggw");
            Tolerance.assertClose(ex.ggOut(), d.gradOut(), bwd, what + " ggOut");
        } else {
            float[] x = RandomData.toFloat(in.x());
            float[] w = RandomData.toFloat(in.w());
            float[] g = RandomData.toFloat(in.g());
            Tolerance.assertClose(ex.out(), cuda.forward(x, in.species(), w, b), fwd, what + " out");
            SymmetricContraction.Gradients<float[]> gr = cuda.backward(x, in.species(), w, g, b);
            Tolerance.assertClose(ex.gx(), gr.x(), bwd, what + " gx");
            Tolerance.assertClose(ex.gw(), gr.w(), bwd, what + " gw");
            SymmetricContraction.DoubleGradients<float[]> d = cuda.doubleBackward(x, in.species(), w, g,
                    RandomData.toFloat(in.dx()), RandomData.toFloat(in.dw()), b);
            Tolerance.assertClose(ex.ggx(), d.x(), bwd, what + " ggx");
            Tolerance.assertClose(ex.ggw(), d.w(), bwd, what + " ggw");
            Tolerance.assertClose(ex.ggOut(), d.gradOut(), bwd, what + " ggOut");
        }
    }

    // ------------------------------------------------------------------ MACE goldens

    static Stream<Arguments> goldens() {
        List<Arguments> cases = new ArrayList<>();
        for (ScGolden c : ScGolden.all()) {
            for (DType dt : DType.values()) {
                cases.add(Arguments.of(c, dt));
            }
        }
        assertTrue(cases.size() >= 10, "MACE goldens missing: " + cases);
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("goldens")
    void matchesMaceGoldensAndTheOracle(ScGolden c, DType dt) {
        JsonNode g = c.read();
        SymmetricContractionProblem p = c.problem(g);
        SafeTensorsFile sd = SafeTensorsFile.readGzip(Golden.dir(c.folder())
                .resolve(g.get("state_dict_file").asText() + ".gz"));
        double[] w = new double[p.weightNumel()];
        for (String name : p.weightNames()) {
            SafeTensorsFile.Tensor t = sd.get(name);
            System.arraycopy(t.values(), 0, w, p.weightOffset(name), t.values().length);
        }
        int batch = g.get("batch").asInt();
        double[] x = Golden.doubles(g, "x");
        int[] species = Golden.ints(g, "species");
        double[] gOut = Golden.doubles(g, "grad_out");
        java.util.Random rng = new java.util.Random(77);
        ScOracle.Inputs in = new ScOracle.Inputs(batch, x, species, w, gOut, RandomData.normal(rng, x.length),
                RandomData.normal(rng, w.length));
        try (SymmetricContraction cuda = SymmetricContraction.create(p, Backend.CUDA, dt)) {
            if (dt == DType.FLOAT64) {
                double tol = Tolerance.FLOAT64; // SPEC §8 (the CPU engine measures ~5e-16 against MACE)
                Tolerance.assertClose(Golden.doubles(g, "out"), cuda.forward(x, species, w, batch), tol, c + " out");
                SymmetricContraction.Gradients<double[]> gr = cuda.backward(x, species, w, gOut, batch);
                Tolerance.assertClose(Golden.doubles(g, "grad_x"), gr.x(), tol, c + " grad_x");
                JsonNode recorded = g.get("grad_weights");
                for (String name : p.weightNames()) {
                    JsonNode values = recorded.get(name);
                    double[] expected = new double[values.size()];
                    for (int e = 0; e < expected.length; e++) {
                        expected[e] = values.get(e).asDouble();
                    }
                    double[] mine = Arrays.copyOfRange(gr.w(), p.weightOffset(name), p.weightOffset(name) + expected.length);
                    Tolerance.assertClose(expected, mine, tol, c + " grad " + name);
                }
                compare(cuda, p, dt, in, c.toString());
            } else {
                compare(cuda, p, dt, in.roundedToFloat(), c + " f32");
            }
        }
    }

    // ------------------------------------------------------------------ device-resident API

    @Test
    void deviceApiWritesEveryElementOverPoisonOnACallersStream() {
        SymmetricContractionProblem p = randomProblems().get("mace-mp-medium C=128");
        int batch = 1001;
        // every 10th row has a bad species: zeros there, no weight-gradient contribution
        ScOracle.Inputs in = ScOracle.random(p, batch, 5, 10).roundedToFloat();
        ScOracle.Expected ex = ScOracle.expected(p, in);
        CudaDevice gpu = CudaRuntime.defaultDevice();
        try (CudaSymmetricContraction sc = CudaSymmetricContraction.create(p, DType.FLOAT32, gpu);
             DeviceAllocator alloc = gpu.newAllocator("sc-poison-test");
             CudaStream stream = gpu.createStream()) {
            List<DeviceBuffer> all = new ArrayList<>();
            DeviceBuffer x = upload(alloc, all, in.x());
            DeviceBuffer species = alloc.allocate(batch * 4L);
            all.add(species);
            species.copyFrom(in.species());
            DeviceBuffer w = upload(alloc, all, in.w());
            DeviceBuffer g = upload(alloc, all, in.g());
            DeviceBuffer dx = upload(alloc, all, in.dx());
            DeviceBuffer dw = upload(alloc, all, in.dw());
            DeviceBuffer out = poisoned(alloc, all, in.g().length);
            DeviceBuffer gx = poisoned(alloc, all, in.x().length);
            DeviceBuffer gw = poisoned(alloc, all, in.w().length);
            DeviceBuffer ggx = poisoned(alloc, all, in.x().length);
            DeviceBuffer ggw = poisoned(alloc, all, in.w().length);
            DeviceBuffer ggo = poisoned(alloc, all, in.g().length);
            sc.forward(x, species, w, out, batch, stream);
            sc.backward(x, species, w, g, gx, gw, batch, stream);
            sc.doubleBackward(x, species, w, g, dx, dw, ggx, ggw, ggo, batch, stream);
            stream.synchronize();
            double[][] expected = {ex.out(), ex.gx(), ex.gw(), ex.ggx(), ex.ggw(), ex.ggOut()};
            DeviceBuffer[] got = {out, gx, gw, ggx, ggw, ggo};
            String[] names = {"out", "gx", "gw", "ggx", "ggw", "ggOut"};
            for (int i = 0; i < got.length; i++) {
                float[] host = new float[Math.toIntExact(got[i].byteSize() / 4)];
                got[i].copyTo(host);
                for (int e = 0; e < host.length; e++) {
                    assertTrue(Float.isFinite(host[e]), "element " + e + " of " + names[i] + " was not written");
                }
                Tolerance.assertClose(expected[i], host, i == 0 ? Tolerance.FLOAT32_FORWARD : Tolerance.FLOAT32_BACKWARD,
                        "device API " + names[i]);
            }
            // gx alone (gw null) and gw alone (gx null)
            DeviceBuffer gx2 = poisoned(alloc, all, in.x().length);
            DeviceBuffer gw2 = poisoned(alloc, all, in.w().length);
            sc.backward(x, species, w, g, gx2, null, batch, stream);
            sc.backward(x, species, w, g, null, gw2, batch, stream);
            stream.synchronize();
            float[] a = new float[in.x().length];
            float[] b = new float[in.x().length];
            gx.copyTo(a);
            gx2.copyTo(b);
            assertArrayEquals(a, b, "gx without gw");
            float[] c = new float[in.w().length];
            float[] d = new float[in.w().length];
            gw.copyTo(c);
            gw2.copyTo(d);
            assertArrayEquals(c, d, "gw without gx: the reduction is deterministic");
            for (DeviceBuffer buf : all) {
                buf.close();
            }
            assertEquals(0, alloc.outstandingBytes());
        }
    }

    @Test
    void weightGradientsAreBitIdenticalRunToRun() {
        SymmetricContractionProblem p = randomProblems().get("mace-mp-medium C=128");
        ScOracle.Inputs in = ScOracle.random(p, 5000, 11, 0);
        try (SymmetricContraction sc = SymmetricContraction.create(p, Backend.CUDA, DType.FLOAT64)) {
            double[] first = sc.backward(in.x(), in.species(), in.w(), in.g(), in.batch()).w();
            for (int r = 0; r < 3; r++) {
                assertArrayEquals(first, sc.backward(in.x(), in.species(), in.w(), in.g(), in.batch()).w());
            }
        }
    }

    // ------------------------------------------------------------------ selection, lifecycle, arguments

    @Test
    void autoPicksCudaAndFallsBackForProblemsTooLargeToUnroll() {
        SymmetricContractionProblem p = randomProblems().get("corr2 C=3");
        try (SymmetricContraction auto = SymmetricContraction.create(p, Backend.AUTO, DType.FLOAT32)) {
            assertEquals(Backend.CUDA, auto.backend());
        }
        SymmetricContractionProblem huge = sc("8x0e+8x1o+8x2e+8x3o", "8x0e+8x1o+8x2e", 4, 2, CgConvention.E3NN);
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> SymmetricContraction.create(huge, Backend.CUDA, DType.FLOAT32));
        assertTrue(e.getMessage().contains("terms"), e.getMessage());
        try (SymmetricContraction auto = SymmetricContraction.create(huge, Backend.AUTO, DType.FLOAT32)) {
            assertEquals(Backend.CPU, auto.backend());
        }
    }

    @Test
    void badArgumentsFailBeforeAnyLaunchAndClosedInstancesRefuse() {
        SymmetricContractionProblem p = randomProblems().get("corr2 C=3");
        CudaDevice gpu = CudaRuntime.defaultDevice();
        double[] x = new double[2 * p.inputDim()];
        double[] w = new double[p.weightNumel()];
        CudaSymmetricContraction sc = CudaSymmetricContraction.create(p, DType.FLOAT64, gpu);
        try (DeviceAllocator alloc = gpu.newAllocator("sc-args-test");
             CudaStream stream = gpu.createStream();
             DeviceBuffer small = alloc.allocate(16)) {
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                    () -> sc.forward(x, new int[] {0, 3}, w, 2));
            assertTrue(bad.getMessage().contains("species[1]") && bad.getMessage().contains("row 1"), bad.getMessage());
            assertThrows(IllegalArgumentException.class, () -> sc.forward(x, new int[] {0, -1}, w, 2));
            IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                    () -> sc.forward(new double[3], new int[] {0, 0}, w, 2));
            assertTrue(size.getMessage().startsWith("x has 3 values"), size.getMessage());
            assertThrows(IllegalArgumentException.class, () -> sc.forward(new float[x.length], new int[] {0, 0},
                    new float[w.length], 2), "float32 arrays on a float64 instance");
            IllegalArgumentException dev = assertThrows(IllegalArgumentException.class,
                    () -> sc.forward(small, small, small, small, 10, stream));
            assertTrue(dev.getMessage().startsWith("x holds 16 bytes"), dev.getMessage());
            assertThrows(IllegalArgumentException.class, () -> sc.forward(small, small, small, small, -1, stream));
            assertThrows(IllegalArgumentException.class, () -> sc.forward(small, small, small, small, 0, null));
            assertEquals(0, sc.forward(new double[0], new int[0], w, 0).length);
            sc.close();
            sc.close();
            assertThrows(IllegalStateException.class, () -> sc.forward(x, new int[] {0, 0}, w, 2));
            assertThrows(IllegalStateException.class, () -> sc.forward(small, small, small, small, 0, stream));
        }
    }

    private static DeviceBuffer upload(DeviceAllocator alloc, List<DeviceBuffer> all, double[] values) {
        DeviceBuffer b = alloc.allocate(Math.max(1, values.length) * 4L);
        all.add(b);
        b.copyFrom(RandomData.toFloat(values));
        return b;
    }

    private static DeviceBuffer poisoned(DeviceAllocator alloc, List<DeviceBuffer> all, int n) {
        float[] a = new float[n];
        Arrays.fill(a, Float.NaN);
        DeviceBuffer b = alloc.allocate(n * 4L);
        all.add(b);
        b.copyFrom(a);
        return b;
    }
}
