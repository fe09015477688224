package org.e3spark.kernels;

/**
 * Double-backward results, float64 (SPEC §5): the gradients with respect to x, y, W and gradOut of
 * sum(gx * dx) + sum(gy * dy) + sum(gW * dw), where (gx, gy, gW) = backward(x, y, W, gradOut).
 */
public record DoubleGradients(double[] x, double[] y, double[] w, double[] gradOut) {
}
