package org.e3spark.kernels;

/** As {@link Gradients}, float32. */
public record GradientsF32(float[] x, float[] y, float[] w) {
}
