package org.e3spark.kernels;

/**
 * e3nn's {@code path_normalization}: how the paths that feed one output block share its variance
 * (the divisor f of SPEC §4).
 */
public enum PathNormalization {
    /** f sums in1_var * in2_var * fan-in over every path into the output block (e3nn's default). */
    ELEMENT,
    /** f is this path's in1_var * in2_var * fan-in times the number of paths into the block. */
    PATH,
    /** f = 1. */
    NONE
}
