package org.e3spark.kernels.hip;

import java.nio.file.Path;
import java.util.List;
import org.e3spark.kernels.internal.rtc.FailedSourceDump;
import org.e3spark.kernels.internal.rtc.RuntimeCompileException;

/**
 * hiprtc refused a kernel source: the HIP twin of the CUDA side's {@code KernelCompileException},
 * carrying the log, the options, the target and the file the source was written to (under
 * {@code java.io.tmpdir/e3spark-failed-kernels-<uid>}, private to the user, as {@code .hip}); the message contains all of it.
 */
public final class HipKernelCompileException extends RuntimeCompileException {

    private final AmdGpuArch arch;

    /** {@code sourceFile} is null when the source could not be written; {@code dumpProblem} then says why. */
    public HipKernelCompileException(String programName, String result, String log, List<String> options,
                                     AmdGpuArch arch, Path sourceFile, String dumpProblem) {
        super("hiprtc", programName, result, log, options, arch.toString(), sourceFile, dumpProblem);
        this.arch = arch;
    }

    /** Dumps {@code source} and makes the exception naming the dump. */
    static HipKernelCompileException of(String source, String programName, String result, String log,
                                        List<String> options, AmdGpuArch arch) {
        FailedSourceDump.Written w = FailedSourceDump.write(source, programName, ".hip", result, log, options,
                arch.toString());
        return new HipKernelCompileException(programName, result, log, options, arch, w.file(), w.problem());
    }

    public AmdGpuArch arch() {
        return arch;
    }
}
