package org.e3spark.kernels;

/** e3nn's {@code irrep_normalization}: the numerator alpha0 of each path's coefficient (SPEC §4). */
public enum IrrepNormalization {
    /** alpha0 = 2 lo + 1 (e3nn's default). */
    COMPONENT,
    /** alpha0 = (2 l1 + 1)(2 l2 + 1). */
    NORM,
    /** alpha0 = 1. */
    NONE;

    double alpha0(int l1, int l2, int lo) {
        return switch (this) {
            case COMPONENT -> 2 * lo + 1;
            case NORM -> (2 * l1 + 1) * (2 * l2 + 1);
            case NONE -> 1;
        };
    }
}
