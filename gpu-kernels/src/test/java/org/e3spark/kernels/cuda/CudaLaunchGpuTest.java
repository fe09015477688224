package org.e3spark.kernels.cuda;

import org.e3spark.kernels.gpu.GpuTest;

import org.e3spark.kernels.gpu.LaunchConfig;
import org.e3spark.kernels.gpu.DeviceAllocator;
import org.e3spark.kernels.gpu.DeviceBuffer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.e3spark.kernels.internal.cache.KernelCache;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@GpuTest
class CudaLaunchGpuTest {

    private static final long SEED = 7_340_033L;
    private static CudaDevice gpu;
    private static CudaModule module;
    private DeviceAllocator allocator;
    private final Random random = new Random(SEED);

    @BeforeAll
    static void open() {
        gpu = CudaDevice.open(0);
        module = new CachingKernelCompiler(Nvrtc.system(), KernelCache.inMemoryOnly())
                .load(gpu, TestKernels.SOURCE, "test_kernels.cu", TestKernels.OPTIONS);
    }

    @AfterAll
    static void close() {
        if (module != null) {
            module.close();
        }
        if (gpu != null) {
            gpu.close();
        }
    }

    @BeforeEach
    void freshAllocator() {
        allocator = gpu.newAllocator("launch-test");
    }

    @AfterEach
    void nothingLeaked() {
        assertEquals(0, allocator.outstandingBytes());
        allocator.close();
    }

    /** Allows for the kernel's a*x+y being fused (one rounding) or not (two). */
    private static double tolerance(double ax, double y) {
        return 2 * Math.ulp(Math.abs(ax)) + 2 * Math.ulp(Math.abs(y));
    }

    private static float toleranceF(float ax, float y) {
        return 2 * Math.ulp(Math.abs(ax)) + 2 * Math.ulp(Math.abs(y));
    }

    @Test
    void axpyFloatMatchesJavaOnEveryElement() {
        for (int n : new int[] {1, 13, 4097}) {
            float a = 1.5f + random.nextFloat();
            float[] x = new float[n];
            float[] y = new float[n];
            for (int i = 0; i < n; i++) {
                x[i] = random.nextFloat() * 4 - 2;
                y[i] = random.nextFloat() * 4 - 2;
            }
            float[] poison = new float[n];
            Arrays.fill(poison, Float.NaN);
            float[] out = new float[n];
            try (CudaStream stream = gpu.createStream();
                 DeviceBuffer dx = allocator.allocate(n * 4L);
                 DeviceBuffer dy = allocator.allocate(n * 4L);
                 DeviceBuffer dout = allocator.allocate(n * 4L)) {
                dx.copyFrom(x);
                dy.copyFrom(y);
                dout.copyFrom(poison);
                module.function("axpy_f32").launch(LaunchConfig.cover(n, 256), stream, n, a, dx, dy, dout);
                stream.synchronize();
                dout.copyTo(out);
            }
            for (int i = 0; i < n; i++) {
                float expected = a * x[i] + y[i];
                assertTrue(Math.abs(out[i] - expected) <= toleranceF(a * x[i], y[i]),
                        "n=" + n + " i=" + i + ": " + out[i] + " vs " + expected);
            }
        }
    }

    @Test
    void axpyDoubleMatchesJavaOnEveryElement() {
        int n = 207;
        double a = -0.75 + random.nextDouble();
        double[] x = random.doubles(n).map(v -> v * 10 - 5).toArray();
        double[] y = random.doubles(n).map(v -> v * 10 - 5).toArray();
        double[] out = new double[n];
        Arrays.fill(out, Double.NaN);
        try (CudaStream stream = gpu.createStream();
             DeviceBuffer dx = allocator.allocate(n * 8L);
             DeviceBuffer dy = allocator.allocate(n * 8L);
             DeviceBuffer dout = allocator.allocate(n * 8L)) {
            dx.copyFrom(x);
            dy.copyFrom(y);
            dout.copyFrom(out);
            module.function("axpy_f64").launch(LaunchConfig.cover(n, 64), stream, (long) n, a, dx, dy, dout);
            stream.synchronize();
            dout.copyTo(out);
        }
        for (int i = 0; i < n; i++) {
            double expected = a * x[i] + y[i];
            assertTrue(Math.abs(out[i] - expected) <= tolerance(a * x[i], y[i]), "i=" + i + ": " + out[i] + " vs " + expected);
        }
    }

    @Test
    void twoStreamsRunTwoLaunchesConcurrently() {
        long spinNs = 200_000_000L;
        try (CudaStream s1 = gpu.createStream();
             CudaStream s2 = gpu.createStream();
             CudaEvent start1 = gpu.createEvent();
             CudaEvent end1 = gpu.createEvent();
             CudaEvent start2 = gpu.createEvent();
             CudaEvent end2 = gpu.createEvent();
             DeviceBuffer out = allocator.allocate(8)) {
            CudaFunction spin = module.function("spin");
            spin.launch(LaunchConfig.linear(1, 32, 0), s1, 1_000L, out, 0);
            s1.synchronize();
            long t0 = System.nanoTime();
            start1.record(s1);
            spin.launch(LaunchConfig.linear(1, 32, 0), s1, spinNs, out, 11);
            end1.record(s1);
            start2.record(s2);
            spin.launch(LaunchConfig.linear(1, 32, 0), s2, spinNs, out, 22);
            end2.record(s2);
            end1.synchronize();
            end2.synchronize();
            double wallMs = (System.nanoTime() - t0) / 1e6;
            float ms1 = end1.elapsedMillisSince(start1);
            float ms2 = end2.elapsedMillisSince(start2);
            System.out.printf("spin on two streams: %.1f ms and %.1f ms on the GPU, %.1f ms wall%n", ms1, ms2, wallMs);
            assertTrue(ms1 >= 195 && ms2 >= 195, ms1 + ", " + ms2);
            assertTrue(wallMs < 1.5 * 200, "two 200 ms kernels took " + wallMs + " ms: they did not overlap");
            int[] written = new int[2];
            out.copyTo(written);
            assertTrue(written[0] == 11 || written[0] == 22, Arrays.toString(written));
        }
    }

    @Test
    void dynamicSharedMemoryAboveTheDefaultNeedsTheOptIn() {
        int n = 25_000; // 100,000 bytes of shared memory, above the 48 KiB default
        int smem = n * 4;
        float[] in = new float[n];
        for (int i = 0; i < n; i++) {
            in[i] = random.nextFloat() + 1;
        }
        float[] out = new float[n];
        Arrays.fill(out, Float.NaN);
        try (CachingKernelCompilerHolder h = new CachingKernelCompilerHolder();
             CudaStream stream = gpu.createStream();
             DeviceBuffer din = allocator.allocate(n * 4L);
             DeviceBuffer dout = allocator.allocate(n * 4L)) {
            CudaFunction reverse = h.module.function("reverse_through_smem");
            din.copyFrom(in);
            dout.copyFrom(out);
            CudaException refused = assertThrows(CudaException.class,
                    () -> reverse.launch(LaunchConfig.linear(1, 256, smem), stream, n, din, dout));
            assertEquals("cuLaunchKernel", refused.api());
            reverse.setMaxDynamicSharedMemory(smem);
            reverse.launch(LaunchConfig.linear(1, 256, smem), stream, n, din, dout);
            stream.synchronize();
            dout.copyTo(out);
        }
        for (int i = 0; i < n; i++) {
            assertEquals(in[n - 1 - i], out[i], "i=" + i);
        }
    }

    @Test
    void unknownKernelNameAndUnsupportedArgumentAreReported() {
        CudaException e = assertThrows(CudaException.class, () -> module.function("no_such_kernel"));
        assertEquals("CUDA_ERROR_NOT_FOUND", e.resultName());
        assertTrue(e.getMessage().contains("no_such_kernel"));
        try (CudaStream stream = gpu.createStream()) {
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                    () -> module.function("axpy_f32").launch(LaunchConfig.linear(1, 32, 0), stream, "1"));
            assertTrue(bad.getMessage().contains("argument 0"), bad.getMessage());
        }
    }

    /** A module of its own, so the opt-in attribute does not leak into other tests. */
    private static final class CachingKernelCompilerHolder implements AutoCloseable {
        final CudaModule module = new CachingKernelCompiler(Nvrtc.system(), KernelCache.inMemoryOnly())
                .load(gpu, TestKernels.SOURCE, "test_kernels.cu", TestKernels.OPTIONS);

        @Override
        public void close() {
            module.close();
        }
    }
}
