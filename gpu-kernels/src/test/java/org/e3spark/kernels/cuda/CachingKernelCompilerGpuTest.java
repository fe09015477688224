package org.e3spark.kernels.cuda;

import org.e3spark.kernels.gpu.GpuTest;

import org.e3spark.kernels.gpu.LaunchConfig;
import org.e3spark.kernels.gpu.DeviceAllocator;
import org.e3spark.kernels.gpu.DeviceBuffer;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.e3spark.kernels.internal.cache.KernelCache;
import org.e3spark.kernels.internal.cache.KernelCacheStats;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The disk cache with the real NVRTC: cold, warm, restored from disk, corrupted — and the result runs. */
@GpuTest
class CachingKernelCompilerGpuTest {

    private static CudaDevice gpu;

    @TempDir
    Path tmp;

    @BeforeAll
    static void open() {
        gpu = CudaDevice.open(0);
    }

    @AfterAll
    static void close() {
        if (gpu != null) {
            gpu.close();
        }
    }

    private CachingKernelCompiler compiler() {
        return new CachingKernelCompiler(Nvrtc.system(), new KernelCache(tmp.resolve("kernels")));
    }

    @Test
    void coldWarmRestoredAndCorruptedCacheAllYieldAWorkingKernel() throws Exception {
        CachingKernelCompiler cold = compiler();
        byte[] compiled = cold.cubin(TestKernels.SOURCE, "test_kernels.cu", gpu.arch(), TestKernels.OPTIONS);
        assertEquals(new KernelCacheStats(0, 0, 1, 0), cold.cache().stats());
        assertArrayEquals(compiled, cold.cubin(TestKernels.SOURCE, "test_kernels.cu", gpu.arch(), TestKernels.OPTIONS));
        assertEquals(new KernelCacheStats(1, 0, 1, 0), cold.cache().stats());
        checkAxpyRuns(cold);

        CachingKernelCompiler restarted = compiler();
        assertArrayEquals(compiled, restarted.cubin(TestKernels.SOURCE, "test_kernels.cu", gpu.arch(), TestKernels.OPTIONS));
        checkAxpyRuns(restarted);
        assertEquals(new KernelCacheStats(1, 1, 0, 0), restarted.cache().stats(), "a warm second instance compiles nothing");

        Path entry = cold.cache().entryPath(cold.key(TestKernels.SOURCE, gpu.arch(), TestKernels.OPTIONS)).orElseThrow();
        byte[] bytes = Files.readAllBytes(entry);
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(entry, bytes);
        CachingKernelCompiler afterCorruption = compiler();
        checkAxpyRuns(afterCorruption);
        assertEquals(new KernelCacheStats(0, 0, 1, 1), afterCorruption.cache().stats());
    }

    private void checkAxpyRuns(CachingKernelCompiler compiler) {
        int n = 1000;
        Random random = new Random(99);
        float[] x = new float[n];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = random.nextFloat() + 0.5f;
            y[i] = random.nextFloat() + 0.5f;
        }
        float[] out = new float[n];
        Arrays.fill(out, Float.NaN);
        try (DeviceAllocator allocator = gpu.newAllocator("cache-test");
             CudaModule module = compiler.load(gpu, TestKernels.SOURCE, "test_kernels.cu", TestKernels.OPTIONS);
             CudaStream stream = gpu.createStream();
             DeviceBuffer dx = allocator.allocate(n * 4L);
             DeviceBuffer dy = allocator.allocate(n * 4L);
             DeviceBuffer dout = allocator.allocate(n * 4L)) {
            dx.copyFrom(x);
            dy.copyFrom(y);
            dout.copyFrom(out);
            module.function("axpy_f32").launch(LaunchConfig.cover(n, 128), stream, n, 2.0f, dx, dy, dout);
            stream.synchronize();
            dout.copyTo(out);
        }
        for (int i = 0; i < n; i++) {
            assertEquals(2.0f * x[i] + y[i], out[i], 1e-5f, "i=" + i);
        }
    }
}
