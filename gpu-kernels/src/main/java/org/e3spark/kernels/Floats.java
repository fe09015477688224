package org.e3spark.kernels;

/**
 * The one float32 / float64 conversion helper: widening and rounding whole arrays, and cutting a
 * row-major block of a flat result into the {@code float[][]} rows Spark's
 * {@code array<array<float>>} columns take. Rounding is Java's {@code (float)} cast (round to nearest).
 */
public final class Floats {

    private Floats() {
    }

    public static double[] widen(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    public static float[] round(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }

    /** {@code rows} rows of {@code width} values of {@code v} from {@code from}, rounded to float. */
    public static float[][] nested(double[] v, int from, int rows, int width) {
        float[][] out = new float[rows][width];
        for (int i = 0; i < rows; i++) {
            for (int c = 0; c < width; c++) {
                out[i][c] = (float) v[from + i * width + c];
            }
        }
        return out;
    }

    /** As {@link #nested(double[], int, int, int)} for float results: no rounding, one copy per row. */
    public static float[][] nested(float[] v, int from, int rows, int width) {
        float[][] out = new float[rows][];
        for (int i = 0; i < rows; i++) {
            out[i] = java.util.Arrays.copyOfRange(v, from + i * width, from + (i + 1) * width);
        }
        return out;
    }

    /** The mean over {@code rows} rows of {@code width} values from {@code from} (summed in double), as float. */
    public static float[] meanRows(double[] v, int from, int rows, int width) {
        double[] sum = new double[width];
        for (int i = 0; i < rows; i++) {
            for (int c = 0; c < width; c++) {
                sum[c] += v[from + i * width + c];
            }
        }
        float[] out = new float[width];
        for (int c = 0; c < width; c++) {
            out[c] = (float) (sum[c] / Math.max(rows, 1));
        }
        return out;
    }
}
