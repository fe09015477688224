package org.e3spark.kernels.cuda;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;
import org.e3spark.kernels.bundle.KernelBundles;
import org.e3spark.kernels.bundle.RecordedKernels;
import org.e3spark.kernels.internal.cache.KernelCache;
import org.e3spark.kernels.internal.cache.KernelKey;
import org.e3spark.kernels.internal.rtc.RuntimeCompiler;

/**
 * The route from kernel source to a loaded module, in this order:
 * <ol>
 *   <li>the {@link KernelBundles} (ahead-of-time bundles: verified CUBIN, found by the key the bundle's own
 *       compiler identity gives, so no NVRTC is needed to look);</li>
 *   <li>the {@link KernelCache} (memory, then disk), key = SHA-256 of (source, {@code sm_XY}, local NVRTC
 *       version, options), unchanged by bundles;</li>
 *   <li>{@link Nvrtc}, whose result is stored in the cache.</li>
 * </ol>
 * NVRTC is loaded only when a kernel is in no bundle, so an executor whose bundle covers its model runs
 * without libnvrtc; when NVRTC is missing and a bundle does not cover a kernel, the error says which
 * kernel or which architecture the bundles lack ({@link KernelBundles#whyUnavailable}). A bundled CUBIN
 * the driver refuses to load (e.g. built by a newer NVRTC than the driver supports) is logged once and
 * compiled here instead. With {@code -De3spark.kernels.record=DIR} every unit asked for is written to
 * DIR ({@link RecordedKernels}).
 */
public final class CachingKernelCompiler {

    private final Supplier<? extends RuntimeCompiler<GpuArch>> compilerSupplier;
    private final KernelCache cache;
    private final KernelBundles bundles;
    private final Path recordDirectory; // null: records nothing
    private volatile RuntimeCompiler<GpuArch> compiler;

    public CachingKernelCompiler(Nvrtc nvrtc, KernelCache cache) {
        this(() -> nvrtc, cache, KernelBundles.none());
    }

    /**
     * @param compiler the JIT compiler, asked for on the first kernel no bundle holds (NVRTC: {@code Nvrtc::system});
     *     a failure is not remembered
     */
    public CachingKernelCompiler(Supplier<? extends RuntimeCompiler<GpuArch>> compiler, KernelCache cache,
                                 KernelBundles bundles) {
        this(compiler, cache, bundles, null);
    }

    /**
     * As the three-argument form, also writing every unit asked for to {@code recordDirectory} (null: none)
     * for {@code kernels bundle --recorded} ({@link RecordedKernels}).
     */
    public CachingKernelCompiler(Supplier<? extends RuntimeCompiler<GpuArch>> compiler, KernelCache cache,
                                 KernelBundles bundles, Path recordDirectory) {
        this.compilerSupplier = compiler;
        this.cache = cache;
        this.bundles = bundles;
        this.recordDirectory = recordDirectory;
    }

    private RuntimeCompiler<GpuArch> compiler() {
        RuntimeCompiler<GpuArch> c = compiler;
        if (c == null) {
            synchronized (this) {
                c = compiler;
                if (c == null) {
                    c = compilerSupplier.get();
                    compiler = c;
                }
            }
        }
        return c;
    }

    /** The disk-cache key {@link #cubin} uses for these inputs when it compiles (asks NVRTC for its version). */
    public KernelKey key(String source, GpuArch arch, List<String> options) {
        return KernelKey.of(source, arch.smName(), compiler().identity(), options);
    }

    /** CUBIN for {@code arch}: from a bundle, the cache, or compiled now. */
    public byte[] cubin(String source, String programName, GpuArch arch, List<String> options) {
        RecordedKernels.record(recordDirectory, programName, source, arch.smName(), options);
        byte[] bundled = bundles.find(programName, source, arch.smName(), options);
        return bundled != null ? bundled.clone() : compiled(source, programName, arch, options);
    }

    /** From the cache or compiled now, never from a bundle. */
    private byte[] compiled(String source, String programName, GpuArch arch, List<String> options) {
        RuntimeCompiler<GpuArch> c;
        try {
            c = compiler();
        } catch (NvrtcUnavailableException e) {
            if (bundles.isEmpty()) {
                throw e;
            }
            throw new NvrtcUnavailableException(bundles.whyUnavailable(programName, arch.smName(), e.getMessage()), e);
        }
        return cache.getOrCompile(KernelKey.of(source, arch.smName(), c.identity(), options),
                () -> c.compile(source, programName, arch, options).code());
    }

    /** Fetches (bundle, cache) or compiles for the device's own architecture and loads the result there. */
    public CudaModule load(CudaDevice device, String source, String programName, List<String> options) {
        GpuArch arch = device.arch();
        RecordedKernels.record(recordDirectory, programName, source, arch.smName(), options);
        byte[] bundled = bundles.find(programName, source, arch.smName(), options);
        if (bundled != null) {
            try {
                return device.loadModule(bundled);
            } catch (CudaException e) {
                bundles.loadFailed(programName, arch.smName(), e);
                try {
                    return device.loadModule(compiled(source, programName, arch, options));
                } catch (NvrtcUnavailableException none) {
                    throw new NvrtcUnavailableException("kernel " + programName + " from a kernel bundle did not load on this "
                            + arch.smName() + " device (" + e.getMessage() + ", a driver older than the bundle's compiler?) and "
                            + "there is no compiler here to build it: " + none.getMessage(), e);
                }
            }
        }
        return device.loadModule(compiled(source, programName, arch, options));
    }

    public KernelCache cache() {
        return cache;
    }

    public KernelBundles bundles() {
        return bundles;
    }

    /** The JIT compiler, loaded now if it was not yet (throws {@link NvrtcUnavailableException} without one). */
    public Nvrtc nvrtc() {
        if (compiler() instanceof Nvrtc n) {
            return n;
        }
        throw new IllegalStateException("this compiler's JIT step is not NVRTC: " + compiler().getClass().getName());
    }
}
