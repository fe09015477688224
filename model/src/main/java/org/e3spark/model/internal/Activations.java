package org.e3spark.model.internal;

/**
 * The activations of the gated blocks, second-moment normalized as e3nn's
 * {@code nn.normalize2mom}: f(x) = c · act(x) with c = 1 / sqrt(E[act(z)^2]) for z ~ N(0, 1), so
 * that unit-variance inputs give unit-second-moment outputs. e3nn estimates E[act(z)^2] from random
 * samples; here it is integrated exactly (Simpson's rule on [-12, 12], 24001 points), so the
 * constants are deterministic and agree with e3nn's to about 1e-3 relative.
 */
public final class Activations {

    /** 1 / sqrt(E[silu(z)^2]). */
    public static final double SILU_NORM = normalization(Activations::silu);
    /** 1 / sqrt(E[sigmoid(z)^2]). */
    public static final double SIGMOID_NORM = normalization(Activations::sigmoid);

    private Activations() {
    }

    public static double sigmoid(double x) {
        return 1.0 / (1.0 + Math.exp(-x));
    }

    public static double silu(double x) {
        return x * sigmoid(x);
    }

    /** d silu / dx = s (1 + x (1 - s)) with s = sigmoid(x). */
    public static double siluDerivative(double x) {
        double s = sigmoid(x);
        return s * (1 + x * (1 - s));
    }

    private static double normalization(java.util.function.DoubleUnaryOperator f) {
        int n = 24000;
        double a = -12;
        double h = 24.0 / n;
        double sum = 0;
        for (int i = 0; i <= n; i++) {
            double z = a + i * h;
            double v = f.applyAsDouble(z);
            double w = (i == 0 || i == n) ? 1 : (i % 2 == 1 ? 4 : 2);
            sum += w * v * v * Math.exp(-0.5 * z * z);
        }
        double second = sum * h / 3 / Math.sqrt(2 * Math.PI);
        return 1.0 / Math.sqrt(second);
    }
}
