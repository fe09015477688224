package org.e3spark.kernels.hip;

import java.util.List;
import org.e3spark.kernels.internal.rtc.CompiledCode;

/**
 * An AMD code object from hiprtc (an ELF for one {@code gfx} target, loadable with
 * {@code hipModuleLoadData}), with the compiler log and what it was compiled for. The image is
 * copied on the way in and out so it cannot change under a cache.
 */
public final class HipCodeObject implements CompiledCode {

    private final byte[] code;
    private final String log;
    private final AmdGpuArch arch;
    private final List<String> options;

    public HipCodeObject(byte[] code, String log, AmdGpuArch arch, List<String> options) {
        if (code.length == 0) {
            throw new IllegalArgumentException("empty code object");
        }
        this.code = code.clone();
        this.log = log;
        this.arch = arch;
        this.options = List.copyOf(options);
    }

    @Override
    public byte[] code() {
        return code.clone();
    }

    @Override
    public int codeSize() {
        return code.length;
    }

    @Override
    public String log() {
        return log;
    }

    public AmdGpuArch arch() {
        return arch;
    }

    @Override
    public String archName() {
        return arch.gfxName();
    }

    @Override
    public List<String> options() {
        return options;
    }
}
