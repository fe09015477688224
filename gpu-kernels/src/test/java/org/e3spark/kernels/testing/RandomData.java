package org.e3spark.kernels.testing;

import java.util.Random;

/** Seeded random inputs and rotations for property tests; seeds are printed by the tests that use them. */
public final class RandomData {

    private RandomData() {
    }

    public static double[] normal(Random rng, int n) {
        double[] a = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = rng.nextGaussian();
        }
        return a;
    }

    public static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }

    public static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    /** A uniformly random proper rotation (3x3 row-major) from a random unit quaternion. */
    public static double[] rotation(Random rng) {
        double w = rng.nextGaussian();
        double x = rng.nextGaussian();
        double y = rng.nextGaussian();
        double z = rng.nextGaussian();
        double n = Math.sqrt(w * w + x * x + y * y + z * z);
        w /= n;
        x /= n;
        y /= n;
        z /= n;
        return new double[] {
                1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
                2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
                2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y),
        };
    }

    public static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** a + t * b */
    public static double[] axpy(double[] a, double t, double[] b) {
        double[] r = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] + t * b[i];
        }
        return r;
    }
}
