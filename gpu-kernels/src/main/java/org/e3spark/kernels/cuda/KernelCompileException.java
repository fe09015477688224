package org.e3spark.kernels.cuda;

import java.nio.file.Path;
import java.util.List;
import org.e3spark.kernels.internal.rtc.RuntimeCompileException;

/**
 * NVRTC refused a kernel source. Carries everything needed to reproduce it away from the cluster:
 * the compiler log, the options, the architecture and the file the source was written to (under
 * {@code java.io.tmpdir/e3spark-failed-kernels-<uid>}, private to the user); the message contains all of it.
 */
public final class KernelCompileException extends RuntimeCompileException {

    private final GpuArch arch;

    /** {@code sourceFile} is null when the source could not be written; {@code dumpProblem} then says why. */
    public KernelCompileException(String programName, String result, String log, List<String> options,
                                  GpuArch arch, Path sourceFile, String dumpProblem) {
        super("NVRTC", programName, result, log, options, arch.smName(), sourceFile, dumpProblem);
        this.arch = arch;
    }

    public GpuArch arch() {
        return arch;
    }
}
