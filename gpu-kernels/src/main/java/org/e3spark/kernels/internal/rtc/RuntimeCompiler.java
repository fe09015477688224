package org.e3spark.kernels.internal.rtc;

import java.util.List;

/**
 * A compiler of GPU C++ source to one device binary at run time: NVRTC for CUDA (CUBIN for one
 * {@code sm_XY}), hiprtc for HIP (a code object for one {@code gfx} target). Both drive the same
 * program protocol ({@link RtcApi}) and fail the same way ({@link RuntimeCompileException}).
 *
 * @param <A> the architecture type the compiler targets
 */
public interface RuntimeCompiler<A> {

    /** What goes into kernel cache keys: the compiler and its version (a new compiler means new binaries). */
    String identity();

    /** Where the compiler library came from. */
    String libraryDescription();

    /**
     * Compiles {@code source} for exactly {@code arch}; {@code extraOptions} follow the architecture
     * options the compiler chooses itself and may not choose an architecture.
     *
     * @throws RuntimeCompileException if the source does not compile
     */
    CompiledCode compile(String source, String programName, A arch, List<String> extraOptions);
}
