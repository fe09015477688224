package org.e3spark.kernels.bundle;

import java.util.List;
import java.util.Objects;

/**
 * One translation unit a GPU path compiles at run time, exactly as it compiles it: the program name,
 * the complete source text and the options beyond the architecture (which the compiler adds itself).
 * An ahead-of-time bundle holds one binary per (source, architecture); a run-time lookup finds it by
 * hashing the same three things the run-time path hashes, so the text must be byte for byte the text
 * the run-time path generates.
 *
 * @param purpose what the kernel is for, in words (written to the bundle's manifest)
 */
public record KernelSource(String programName, String source, List<String> options, String purpose) {

    public KernelSource {
        Objects.requireNonNull(programName, "programName");
        Objects.requireNonNull(source, "source");
        options = List.copyOf(options);
        purpose = purpose == null ? "" : purpose;
    }

    /** The same unit, its purpose prefixed with {@code label} (e.g. the problem or model it belongs to). */
    public KernelSource labelled(String label) {
        return new KernelSource(programName, source, options, purpose.isEmpty() ? label : label + ": " + purpose);
    }
}
