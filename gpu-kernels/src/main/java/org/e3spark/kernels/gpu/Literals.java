package org.e3spark.kernels.gpu;

import org.e3spark.kernels.DType;

/**
 * Floating-point literals for generated source. A double is written as Java's shortest decimal
 * that reads back to the same double; a float as the shortest decimal of the value rounded to
 * float, with the {@code f} suffix so float kernels never compute in double.
 */
public final class Literals {

    private Literals() {
    }

    public static String of(double value, DType dtype) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException("cannot write a non-finite literal: " + value);
        }
        return switch (dtype) {
            case FLOAT64 -> Double.toString(value);
            case FLOAT32 -> Float.toString((float) value) + "f";
        };
    }
}
