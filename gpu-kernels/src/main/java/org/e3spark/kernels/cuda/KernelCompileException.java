package org.e3spark.kernels.cuda;

import java.nio.file.Path;
import java.util.List;

/**
 * NVRTC refused a kernel source. Carries everything needed to reproduce it away from the cluster:
 * the compiler log, the options, the architecture and the file the source was written to (under
 * {@code java.io.tmpdir/e3spark-failed-kernels}); the message contains all of it.
 */
public final class KernelCompileException extends RuntimeException {

    private final String programName;
    private final String log;
    private final List<String> options;
    private final GpuArch arch;
    private final Path sourceFile;

    /** {@code sourceFile} is null when the source could not be written; {@code dumpProblem} then says why. */
    public KernelCompileException(String programName, String result, String log, List<String> options,
                                  GpuArch arch, Path sourceFile, String dumpProblem) {
        super("NVRTC could not compile '" + programName + "' for " + arch.smName() + " (" + result + ")"
                + "\n  options: " + options
                + "\n  source: " + (sourceFile != null ? sourceFile : "not written: " + dumpProblem)
                + "\n  log:\n" + indent(log));
        this.programName = programName;
        this.log = log;
        this.options = List.copyOf(options);
        this.arch = arch;
        this.sourceFile = sourceFile;
    }

    private static String indent(String log) {
        String trimmed = log == null ? "" : log.strip();
        return trimmed.isEmpty() ? "    (empty)" : "    " + trimmed.replace("\n", "\n    ");
    }

    public String programName() {
        return programName;
    }

    public String log() {
        return log;
    }

    public List<String> options() {
        return options;
    }

    public GpuArch arch() {
        return arch;
    }

    /** Where the failing source was written, or null if writing it failed. */
    public Path sourceFile() {
        return sourceFile;
    }
}
