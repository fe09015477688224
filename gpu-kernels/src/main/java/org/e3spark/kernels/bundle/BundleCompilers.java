package org.e3spark.kernels.bundle;

import org.e3spark.kernels.cuda.GpuArch;
import org.e3spark.kernels.cuda.Nvrtc;
import org.e3spark.kernels.hip.AmdGpuArch;
import org.e3spark.kernels.hip.Hiprtc;
import org.e3spark.kernels.internal.cache.KernelCache;
import org.e3spark.kernels.internal.cache.KernelKey;

/**
 * The real compilers of a bundle: NVRTC for {@code sm_XY} (it emits CUBIN for any architecture it
 * lists, without that GPU), hiprtc for {@code gfx} targets (needs no GPU either). Each is loaded on
 * first use, so a bundle of CUDA targets only never looks for hiprtc and the other way round.
 */
public final class BundleCompilers {

    private BundleCompilers() {
    }

    /**
     * NVRTC for CUDA targets, through this host's kernel cache (a bundle entry's key is the disk-cache key
     * of the same NVRTC, so what this host compiled before is not compiled again, and what the bundle
     * compiles warms the cache); hiprtc for AMD ones.
     */
    public static KernelBundleWriter.Compiler forTarget(BundleTarget target) {
        return target.isCuda() ? nvrtc(Nvrtc.system(), KernelCache.atDefaultDirectory()) : hiprtc(Hiprtc.system());
    }

    public static KernelBundleWriter.Compiler nvrtc(Nvrtc nvrtc, KernelCache cache) {
        return new KernelBundleWriter.Compiler() {
            @Override
            public String identity() {
                return nvrtc.identity();
            }

            @Override
            public byte[] compile(KernelSource unit, BundleTarget target) {
                return cache.getOrCompile(KernelKey.of(unit.source(), target.arch(), nvrtc.identity(), unit.options()),
                        () -> nvrtc.compile(unit.source(), unit.programName(), GpuArch.parse(target.arch()), unit.options())
                                .cubin());
            }
        };
    }

    public static KernelBundleWriter.Compiler hiprtc(Hiprtc hiprtc) {
        return new KernelBundleWriter.Compiler() {
            @Override
            public String identity() {
                return hiprtc.identity();
            }

            @Override
            public byte[] compile(KernelSource unit, BundleTarget target) {
                AmdGpuArch arch = new AmdGpuArch(target.arch(), target.target().warpWidth());
                return hiprtc.compile(unit.source(), unit.programName(), arch, unit.options()).code();
            }
        };
    }
}
