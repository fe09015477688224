package org.e3spark.kernels.internal.cpu;

import org.e3spark.kernels.DoubleGradients;
import org.e3spark.kernels.DoubleGradientsF32;
import org.e3spark.kernels.Gradients;
import org.e3spark.kernels.GradientsF32;

/**
 * float32 at the CPU boundary: float inputs widen exactly to double, the arithmetic is float64, and
 * results are rounded once to float.
 */
final class Precision {

    private Precision() {
    }

    static double[] widen(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    static float[] round(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }

    static GradientsF32 round(Gradients g) {
        return new GradientsF32(round(g.x()), round(g.y()), round(g.w()));
    }

    static DoubleGradientsF32 round(DoubleGradients g) {
        return new DoubleGradientsF32(round(g.x()), round(g.y()), round(g.w()), round(g.gradOut()));
    }
}
