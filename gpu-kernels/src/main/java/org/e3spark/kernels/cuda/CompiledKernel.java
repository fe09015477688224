package org.e3spark.kernels.cuda;

import java.util.List;
import org.e3spark.kernels.internal.rtc.CompiledCode;

/**
 * A CUBIN image from NVRTC plus the compiler log (warnings survive a successful compile) and what
 * it was compiled for. A final class rather than a record: it holds an array, copied on the way in
 * and out so the image cannot change under a cache.
 */
public final class CompiledKernel implements CompiledCode {

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

    /** The same as {@link #cubin()}. */
    @Override
    public byte[] code() {
        return cubin();
    }

    @Override
    public int codeSize() {
        return cubin.length;
    }

    @Override
    public String archName() {
        return arch.smName();
    }

    /** The compiler log; empty when NVRTC had nothing to say. */
    @Override
    public String log() {
        return log;
    }

    public GpuArch arch() {
        return arch;
    }

    /** Every option NVRTC received, the architecture option first. */
    @Override
    public List<String> options() {
        return options;
    }
}
