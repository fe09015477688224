package org.e3spark.kernels.bundle;

import org.e3spark.kernels.cuda.GpuArch;
import org.e3spark.kernels.cuda.Nvrtc;
import org.e3spark.kernels.hip.AmdGpuArch;
import org.e3spark.kernels.hip.Hiprtc;

/**
 * The real compilers of a bundle: NVRTC for {@code sm_XY} (it emits CUBIN for any architecture it
 * lists, without that GPU), hiprtc for {@code gfx} targets (needs no GPU either). Each is loaded on
 * first use, so a bundle of CUDA targets only never looks for hiprtc and the other way round.
 */
public final class BundleCompilers {

    private BundleCompilers() {
    }

    /** NVRTC for CUDA targets, hiprtc for AMD ones. */
    public static KernelBundleWriter.Compiler forTarget(BundleTarget target) {
        return target.isCuda() ? nvrtc(Nvrtc.system()) : hiprtc(Hiprtc.system());
    }

    public static KernelBundleWriter.Compiler nvrtc(Nvrtc nvrtc) {
        return new KernelBundleWriter.Compiler() {
            @Override
            public String identity() {
                return nvrtc.identity();
            }

            @Override
            public byte[] compile(KernelSource unit, BundleTarget target) {
                return nvrtc.compile(unit.source(), unit.programName(), GpuArch.parse(target.arch()), unit.options()).cubin();
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
