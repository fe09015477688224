package org.e3spark.kernels;

/** As {@link DoubleGradients}, float32. */
public record DoubleGradientsF32(float[] x, float[] y, float[] w, float[] gradOut) {
}
