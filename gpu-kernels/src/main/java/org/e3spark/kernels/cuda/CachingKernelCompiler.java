package org.e3spark.kernels.cuda;

import java.util.List;
import org.e3spark.kernels.internal.cache.KernelCache;
import org.e3spark.kernels.internal.cache.KernelKey;

/**
 * The route from kernel source to a loaded module: key = SHA-256 of (source, {@code sm_XY}, NVRTC
 * version, options); CUBIN from the {@link KernelCache} if present, else compiled by {@link Nvrtc}
 * and stored. A warm process or host compiles nothing.
 */
public final class CachingKernelCompiler {

    private final Nvrtc nvrtc;
    private final KernelCache cache;

    public CachingKernelCompiler(Nvrtc nvrtc, KernelCache cache) {
        this.nvrtc = nvrtc;
        this.cache = cache;
    }

    /** The key {@link #cubin} uses for these inputs. */
    public KernelKey key(String source, GpuArch arch, List<String> options) {
        return KernelKey.of(source, arch.smName(), nvrtc.identity(), options);
    }

    /** CUBIN for {@code arch}, from the cache or compiled now. */
    public byte[] cubin(String source, String programName, GpuArch arch, List<String> options) {
        return cache.getOrCompile(key(source, arch, options),
                () -> nvrtc.compile(source, programName, arch, options).cubin());
    }

    /** Compiles (or fetches) for the device's own architecture and loads the result there. */
    public CudaModule load(CudaDevice device, String source, String programName, List<String> options) {
        return device.loadModule(cubin(source, programName, device.arch(), options));
    }

    public KernelCache cache() {
        return cache;
    }

    public Nvrtc nvrtc() {
        return nvrtc;
    }
}
