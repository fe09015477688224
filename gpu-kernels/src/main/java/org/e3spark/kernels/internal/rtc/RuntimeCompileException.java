package org.e3spark.kernels.internal.rtc;

import java.nio.file.Path;
import java.util.List;

/**
 * A runtime compiler refused a kernel source. Carries everything needed to reproduce it away from
 * the cluster: the compiler log, the options, the architecture and the file the source was written
 * to (see {@link FailedSourceDump}); the message contains all of it. Each backend has its own final
 * subclass with a typed architecture.
 */
public abstract class RuntimeCompileException extends RuntimeException {

    private final String compiler;
    private final String programName;
    private final String result;
    private final String log;
    private final List<String> options;
    private final String archName;
    private final Path sourceFile;

    /** {@code sourceFile} is null when the source could not be written; {@code dumpProblem} then says why. */
    protected RuntimeCompileException(String compiler, String programName, String result, String log,
                                      List<String> options, String archName, Path sourceFile, String dumpProblem) {
        super(compiler + " could not compile '" + programName + "' for " + archName + " (" + result + ")"
                + "\n  options: " + options
                + "\n  source: " + (sourceFile != null ? sourceFile : "not written: " + dumpProblem)
                + "\n  log:\n" + indent(log));
        this.compiler = compiler;
        this.programName = programName;
        this.result = result;
        this.log = log;
        this.options = List.copyOf(options);
        this.archName = archName;
        this.sourceFile = sourceFile;
    }

    private static String indent(String log) {
        String trimmed = log == null ? "" : log.strip();
        return trimmed.isEmpty() ? "    (empty)" : "    " + trimmed.replace("\n", "\n    ");
    }

    /** The compiler that refused the source, e.g. {@code NVRTC} or {@code hiprtc}. */
    public String compiler() {
        return compiler;
    }

    public String programName() {
        return programName;
    }

    /** The compiler's result code in words. */
    public String result() {
        return result;
    }

    public String log() {
        return log;
    }

    public List<String> options() {
        return options;
    }

    /** The architecture name the compile was for, e.g. {@code sm_90} or {@code gfx90a}. */
    public String archName() {
        return archName;
    }

    /** Where the failing source was written, or null if writing it failed. */
    public Path sourceFile() {
        return sourceFile;
    }
}
