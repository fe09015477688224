package org.e3spark.kernels.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The one tolerance table of SPEC §8, and the relative-norm comparison every test uses.
 */
public final class Tolerance {

    /** float64 against e3nn's goldens or the float64 reference. */
    public static final double FLOAT64 = 1e-12;
    /** float32 forward against a float64 reference. */
    public static final double FLOAT32_FORWARD = 1e-5;
    /** float32 backward and double backward against a float64 reference. */
    public static final double FLOAT32_BACKWARD = 1e-4;

    private Tolerance() {
    }

    /** ||actual - expected|| / ||expected|| (or the plain norm of actual when expected is zero). */
    public static double relativeError(double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length, "length");
        double diff = 0;
        double ref = 0;
        for (int i = 0; i < expected.length; i++) {
            if (Double.isNaN(actual[i])) {
                return Double.POSITIVE_INFINITY;
            }
            double d = actual[i] - expected[i];
            diff += d * d;
            ref += expected[i] * expected[i];
        }
        return ref == 0 ? Math.sqrt(diff) : Math.sqrt(diff / ref);
    }

    public static double relativeError(double[] expected, float[] actual) {
        double[] a = new double[actual.length];
        for (int i = 0; i < a.length; i++) {
            a[i] = actual[i];
        }
        return relativeError(expected, a);
    }

    public static void assertClose(double[] expected, double[] actual, double tolerance, String what) {
        double err = relativeError(expected, actual);
        if (!(err <= tolerance)) {
            fail(what + ": relative error " + err + " exceeds " + tolerance);
        }
    }

    public static void assertClose(double[] expected, float[] actual, double tolerance, String what) {
        double err = relativeError(expected, actual);
        if (!(err <= tolerance)) {
            fail(what + ": relative error " + err + " exceeds " + tolerance);
        }
    }
}
