package org.e3spark.kernels.hip;

import java.lang.foreign.Arena;
import java.util.List;
import org.e3spark.kernels.internal.rtc.NativeLibrarySearch;
import org.e3spark.kernels.internal.rtc.NativeLibrarySearch.Candidate;

/**
 * Finds and opens hiprtc, the HIP runtime compiler. The order: a configured file (system property
 * {@value #PROPERTY}, else environment {@value #ENV}); then the sonames below through the dynamic
 * loader's path; then the same names under {@code $ROCM_PATH/lib}, {@code /opt/rocm/lib} and every
 * {@code /opt/rocm-*}{@code /lib}. ROCm 6 ships hiprtc as {@code libhiprtc.so.6}; ROCm 5 (Debian's
 * {@code libamdhip64-5}) builds it into {@code libamdhip64.so.5}, so the HIP runtime library is a
 * candidate too. A candidate counts only if it exports {@code hiprtcCompileProgram}. When nothing
 * opens, the exception lists every candidate and why it failed.
 */
public final class HiprtcLibrary {

    public static final String PROPERTY = "e3spark.hiprtc.library";
    public static final String ENV = "E3SPARK_HIPRTC_LIBRARY";

    /** Sonames tried, in order: hiprtc's own library, then the HIP runtime that contains it on ROCm 5. */
    public static final List<String> SONAMES = List.of("libhiprtc.so", "libhiprtc.so.6", "libhiprtc.so.5",
            "libamdhip64.so.6", "libamdhip64.so.5");

    /** The library that opened, and what it was. */
    public record Opened(NativeLibrarySearch.Opened library, Candidate candidate) {
    }

    private HiprtcLibrary() {
    }

    /** The configured file from the system property or the environment, or null. */
    public static String configuredPath() {
        return NativeLibrarySearch.configured(PROPERTY, ENV);
    }

    /** Every candidate, in order, for a configured file (may be null) and a ROCM_PATH (may be null). */
    public static List<Candidate> candidates(String configured, String rocmPath) {
        return RocmPaths.candidates(configured, rocmPath, SONAMES);
    }

    /** Opens the first candidate that loads into {@code arena} and exports hiprtc, or throws naming every attempt. */
    public static Opened open(List<Candidate> candidates, Arena arena) {
        NativeLibrarySearch.Opened opened = NativeLibrarySearch.open(candidates, arena, "hiprtcCompileProgram", "hiprtc",
                failures -> new HiprtcUnavailableException("hiprtc (the HIP runtime compiler) not found; install ROCm "
                        + "(Debian: libamdhip64-5 libhiprtc-builtins5 libamd-comgr2 rocm-device-libs) or set -D" + PROPERTY
                        + "=/path/to/libhiprtc.so.N or " + ENV + ". Tried, in order:\n  " + String.join("\n  ", failures)));
        return new Opened(opened, candidates.get(opened.index()));
    }
}
