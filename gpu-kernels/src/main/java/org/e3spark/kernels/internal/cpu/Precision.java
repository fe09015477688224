package org.e3spark.kernels.internal.cpu;

import org.e3spark.kernels.DoubleGradients;
import org.e3spark.kernels.DoubleGradientsF32;
import org.e3spark.kernels.Gradients;
import org.e3spark.kernels.GradientsF32;

/**
 * float32 at the CPU boundary: float inputs widen exactly to double, the arithmetic is float64, and
 * results are rounded once to float. Whole-array conversions run in parallel slices (an element-wise
 * map, so the bits do not depend on the thread count): a serial sweep over a batch's arrays was the
 * part of a float32 call that did not scale with cores.
 */
final class Precision {

    private Precision() {
    }

    /** Elements per parallel slice of a whole-array conversion. */
    private static final int SLICE = 1 << 15;

    private static java.util.stream.IntStream slices(int n) {
        int count = (n + SLICE - 1) / SLICE;
        java.util.stream.IntStream s = java.util.stream.IntStream.range(0, count);
        return count > 1 ? s.parallel() : s;
    }

    static double[] widen(float[] a) {
        double[] d = new double[a.length];
        slices(a.length).forEach(c -> widen(a, c * SLICE, d, c * SLICE, Math.min(SLICE, a.length - c * SLICE)));
        return d;
    }

    static float[] round(double[] a) {
        float[] f = new float[a.length];
        slices(a.length).forEach(c -> round(a, c * SLICE, f, c * SLICE, Math.min(SLICE, a.length - c * SLICE)));
        return f;
    }

    /** dst[to + n] = src[from + n] for n < len (exact). */
    static void widen(float[] src, int from, double[] dst, int to, int len) {
        for (int n = 0; n < len; n++) {
            dst[to + n] = src[from + n];
        }
    }

    /** dst[to + n] = (float) src[from + n] for n < len (round to nearest). */
    static void round(double[] src, int from, float[] dst, int to, int len) {
        for (int n = 0; n < len; n++) {
            dst[to + n] = (float) src[from + n];
        }
    }

    static GradientsF32 round(Gradients g) {
        return new GradientsF32(round(g.x()), round(g.y()), round(g.w()));
    }

    static DoubleGradientsF32 round(DoubleGradients g) {
        return new DoubleGradientsF32(round(g.x()), round(g.y()), round(g.w()), round(g.gradOut()));
    }
}
