package org.e3spark.kernels;

/**
 * Backward results, float64: dL/dx (batch x dim1), dL/dy (batch x dim2) and dL/dW (weightNumel when
 * weights are shared, summed over the batch; batch x weightNumel otherwise) for L = sum(out * gradOut).
 */
public record Gradients(double[] x, double[] y, double[] w) {
}
