package org.e3spark.kernels.cuda;

import java.util.List;

/**
 * A CUBIN image from NVRTC plus the compiler log (warnings survive a successful compile) and what
 * it was compiled for. A final class rather than a record: it holds an array, copied on the way in
 * and out so the image cannot change under a cache.
 */
public final class CompiledKernel {

    private final byte[] cubin;
    private final String log;
    private final GpuArch arch;
    private final List<String> options;

    public CompiledKernel(byte[] cubin, String log, GpuArch arch, List<String> options) {
        if (cubin.length == 0) {
            throw new IllegalArgumentException("empty CUBIN");
        }
        this.cubin = cubin.clone();
        this.log = log;
        this.arch = arch;
        this.options = List.copyOf(options);
    }

    /** A copy of the CUBIN image. */
    public byte[] cubin() {
        return cubin.clone();
    }

    public int cubinSize() {
        return cubin.length;
    }

    /** The compiler log; empty when NVRTC had nothing to say. */
    public String log() {
        return log;
    }

    public GpuArch arch() {
        return arch;
    }

    /** Every option NVRTC received, the architecture option first. */
    public List<String> options() {
        return options;
    }
}
