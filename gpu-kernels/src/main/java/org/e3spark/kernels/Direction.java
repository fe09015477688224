package org.e3spark.kernels;

/** Which pass of a tensor product: forward, backward, or double backward (SPEC §5). */
public enum Direction {
    FORWARD,
    BACKWARD,
    DOUBLE_BACKWARD
}
