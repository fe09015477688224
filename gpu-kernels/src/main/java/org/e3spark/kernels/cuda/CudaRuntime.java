package org.e3spark.kernels.cuda;

import java.util.List;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.e3spark.kernels.bundle.KernelBundles;
import org.e3spark.kernels.bundle.RecordedKernels;
import org.e3spark.kernels.internal.cache.KernelCache;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a process shares on the CUDA side: one {@link CudaDevice} per ordinal (opened on first use
 * and kept for the life of the process, like the primary context it retains) and one compiler with
 * its kernel cache. Devices of different architectures can be used side by side; each compiles
 * kernels for its own {@code sm_XY}.
 *
 * <p>The default device is {@code -De3spark.cuda.device=N}, else {@code E3SPARK_CUDA_DEVICE}, else 0
 * (Spark executors pass the GPU they were given). INFO is logged once per device and once for the
 * compiler: device, architecture, kernel bundles and cache directory (NVRTC logs its version when
 * it is first needed: with a kernel bundle covering the workload it never is).
 */
public final class CudaRuntime {

    private static final Logger LOG = LoggerFactory.getLogger(CudaRuntime.class);
    private static final Map<Integer, CudaDevice> DEVICES = new ConcurrentHashMap<>();
    private static volatile CachingKernelCompiler compiler;

    private CudaRuntime() {
    }

    /** The device of this ordinal, opened once; throws {@link CudaUnavailableException} without a GPU. */
    public static CudaDevice device(int ordinal) {
        int count = CudaDevice.count();
        if (ordinal < 0 || ordinal >= count) {
            throw new CudaUnavailableException("CUDA device " + ordinal + " does not exist: this machine has "
                    + count + " device(s)");
        }
        return DEVICES.computeIfAbsent(ordinal, o -> {
            CudaDevice d = CudaDevice.open(o);
            LOG.info("CUDA device {}: {} ({}, {} SMs, {} MiB), driver {}", o, d.name(), d.arch().smName(),
                    d.multiprocessorCount(), d.totalMemoryBytes() >> 20, CudaDevice.driverVersion());
            return d;
        });
    }

    /** The configured default device (see the class comment). */
    public static CudaDevice defaultDevice() {
        return device(defaultOrdinal());
    }

    static int defaultOrdinal() {
        String configured = System.getProperty("e3spark.cuda.device", System.getenv("E3SPARK_CUDA_DEVICE"));
        if (configured == null || configured.isBlank()) {
            return 0;
        }
        try {
            return Integer.parseInt(configured.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("e3spark.cuda.device / E3SPARK_CUDA_DEVICE must be a device ordinal, got '"
                    + configured + "'");
        }
    }

    /** The process-wide compiler: NVRTC found on this machine, the kernel cache in its default directory. */
    public static CachingKernelCompiler compiler() {
        CachingKernelCompiler c = compiler;
        if (c == null) {
            synchronized (CudaRuntime.class) {
                c = compiler;
                if (c == null) {
                    KernelCache cache = KernelCache.atDefaultDirectory();
                    KernelBundles bundles = KernelBundles.system();
                    // NVRTC is loaded (and logs itself) on the first kernel no bundle holds
                    c = new CachingKernelCompiler(Nvrtc::system, cache, bundles, RecordedKernels.configuredDirectory());
                    LOG.info("kernel bundles {}; kernel cache {}", bundles.isEmpty() ? "none" : bundles.bundles(),
                            cache.directory().map(Object::toString).orElse("in memory only"));
                    compiler = c;
                }
            }
        }
        return c;
    }

    /**
     * NVRTC seconds for the forward and backward kernels of {@code problem} on {@code device}: cold (an
     * empty, private cache directory) and disk-warm, bypassing the bundles (for the benches).
     */
    public static double[] compileSeconds(org.e3spark.kernels.TPProblem problem, org.e3spark.kernels.DType dtype,
                                          CudaDevice device) throws java.io.IOException {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("e3spark-bench-cache");
        try {
            org.e3spark.kernels.internal.codegen.GeneratedKernels gen =
                    org.e3spark.kernels.internal.codegen.KernelGenerator.generate(problem, dtype, device.target(),
                            List.of(org.e3spark.kernels.internal.codegen.KernelKind.FORWARD,
                                    org.e3spark.kernels.internal.codegen.KernelKind.BACKWARD));
            double cold = timeCompile(new CachingKernelCompiler(Nvrtc.system(), new KernelCache(dir)), gen, device);
            double warm = timeCompile(new CachingKernelCompiler(Nvrtc.system(), new KernelCache(dir)), gen, device);
            return new double[] {cold, warm};
        } finally {
            try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(dir)) {
                for (java.nio.file.Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    java.nio.file.Files.deleteIfExists(p);
                }
            }
        }
    }

    private static double timeCompile(CachingKernelCompiler compiler,
                                      org.e3spark.kernels.internal.codegen.GeneratedKernels gen, CudaDevice device) {
        long t0 = System.nanoTime();
        compiler.cubin(gen.source(), "bench.cu", device.arch(), List.of("--std=c++17"));
        return (System.nanoTime() - t0) / 1e9;
    }
}
