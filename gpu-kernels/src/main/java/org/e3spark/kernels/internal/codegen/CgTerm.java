package org.e3spark.kernels.internal.codegen;

/**
 * One nonzero of a path's coupling tensor with the path coefficient folded in:
 * out component {@code k} gains {@code value * x[i] * y[j]}.
 */
public record CgTerm(int i, int j, int k, double value) {
}
