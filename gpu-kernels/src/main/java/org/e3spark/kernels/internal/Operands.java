package org.e3spark.kernels.internal;

import org.e3spark.kernels.DType;
import org.e3spark.kernels.TPProblem;

/**
 * Argument checks shared by every backend, run before any work or launch: array lengths against
 * the problem's dimensions, and the dtype an instance was created for. Messages name the operand,
 * the expected shape and the problem.
 */
public final class Operands {

    private Operands() {
    }

    /** {@code length} must be rows x dim; {@code rowsName} says what the rows are ("batch", "nodes", "edges"). */
    public static void checkRows(String name, int length, int rows, int dim, String rowsName, TPProblem p) {
        if (length < 0) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        long expected = (long) rows * dim;
        if (length != expected) {
            throw new IllegalArgumentException(name + " has " + length + " values; expected " + rowsName + " (" + rows
                    + ") x " + dim + " = " + expected + " for " + p);
        }
    }

    /** Weights: weightNumel when shared, rows x weightNumel otherwise; null is fine for weightless problems. */
    public static void checkWeights(String name, int length, int rows, String rowsName, TPProblem p) {
        long expected = p.sharedWeights() ? p.weightNumel() : (long) rows * p.weightNumel();
        if (length < 0) {
            if (expected == 0) {
                return;
            }
            throw new IllegalArgumentException(name + " must not be null: the problem has " + p.weightNumel()
                    + " weights per " + (p.sharedWeights() ? "call (shared)" : "row of the " + rowsName));
        }
        if (length != expected) {
            throw new IllegalArgumentException(name + " has " + length + " values; expected "
                    + (p.sharedWeights() ? "weightNumel = " + expected + " (shared weights)"
                    : rowsName + " (" + rows + ") x weightNumel (" + p.weightNumel() + ") = " + expected)
                    + " for " + p);
        }
    }

    public static void checkDtype(DType called, DType created, String op) {
        if (called != created) {
            throw new IllegalArgumentException(op + " was given " + arrayName(called) + " arrays but this instance was"
                    + " created for " + created + "; create one with DType." + called + " or pass " + arrayName(created));
        }
    }

    private static String arrayName(DType d) {
        return d == DType.FLOAT64 ? "double[]" : "float[]";
    }

    public static int length(double[] a) {
        return a == null ? -1 : a.length;
    }

    public static int length(float[] a) {
        return a == null ? -1 : a.length;
    }

    public static double[] orEmpty(double[] a) {
        return a == null ? new double[0] : a;
    }

    public static float[] orEmpty(float[] a) {
        return a == null ? new float[0] : a;
    }
}
