package org.e3spark.kernels.internal.rtc;

import java.util.List;

/** A device binary from a {@link RuntimeCompiler}, with the compiler's log and what it was compiled for. */
public interface CompiledCode {

    /** A copy of the binary (CUBIN, or an AMD code object). */
    byte[] code();

    int codeSize();

    /** The compiler log; empty when the compiler had nothing to say. Warnings survive a successful compile. */
    String log();

    /** The architecture name handed to the compiler, e.g. {@code sm_90} or {@code gfx90a}. */
    String archName();

    /** Every option the compiler received, the architecture option first. */
    List<String> options();
}
