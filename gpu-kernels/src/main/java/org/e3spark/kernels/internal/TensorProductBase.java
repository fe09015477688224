package org.e3spark.kernels.internal;

import org.e3spark.kernels.Backend;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.DoubleGradients;
import org.e3spark.kernels.DoubleGradientsF32;
import org.e3spark.kernels.Gradients;
import org.e3spark.kernels.GradientsF32;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.TensorProduct;

/**
 * What every backend shares: the dtype rule, array-size checks before any work, and the closed
 * state. Backends implement the {@code compute*} methods on arrays already checked.
 */
public abstract class TensorProductBase implements TensorProduct {

    protected final TPProblem problem;
    protected final DType dtype;
    private volatile boolean closed;

    protected TensorProductBase(TPProblem problem, DType dtype) {
        if (problem == null || dtype == null) {
            throw new IllegalArgumentException("problem and dtype must not be null");
        }
        this.problem = problem;
        this.dtype = dtype;
    }

    @Override
    public TPProblem problem() {
        return problem;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public abstract Backend backend();

    // ---- float64 ----

    @Override
    public final double[] forward(double[] x, double[] y, double[] w, int batch) {
        check(DType.FLOAT64, "forward");
        Shapes s = shapes(batch);
        s.check("x", len(x), s.x);
        s.check("y", len(y), s.y);
        s.checkWeights("w", len(w));
        return computeForward(x, y, orEmpty(w), batch);
    }

    @Override
    public final Gradients backward(double[] x, double[] y, double[] w, double[] gradOut, int batch) {
        check(DType.FLOAT64, "backward");
        Shapes s = shapes(batch);
        s.check("x", len(x), s.x);
        s.check("y", len(y), s.y);
        s.checkWeights("w", len(w));
        s.check("gradOut", len(gradOut), s.out);
        return computeBackward(x, y, orEmpty(w), gradOut, batch);
    }

    @Override
    public final DoubleGradients doubleBackward(double[] x, double[] y, double[] w, double[] gradOut,
                                                double[] dx, double[] dy, double[] dw, int batch) {
        check(DType.FLOAT64, "doubleBackward");
        Shapes s = shapes(batch);
        s.check("x", len(x), s.x);
        s.check("y", len(y), s.y);
        s.checkWeights("w", len(w));
        s.check("gradOut", len(gradOut), s.out);
        s.check("dx", len(dx), s.x);
        s.check("dy", len(dy), s.y);
        s.checkWeights("dw", len(dw));
        return computeDoubleBackward(x, y, orEmpty(w), gradOut, dx, dy, orEmpty(dw), batch);
    }

    // ---- float32 ----

    @Override
    public final float[] forward(float[] x, float[] y, float[] w, int batch) {
        check(DType.FLOAT32, "forward");
        Shapes s = shapes(batch);
        s.check("x", len(x), s.x);
        s.check("y", len(y), s.y);
        s.checkWeights("w", len(w));
        return computeForward(x, y, orEmpty(w), batch);
    }

    @Override
    public final GradientsF32 backward(float[] x, float[] y, float[] w, float[] gradOut, int batch) {
        check(DType.FLOAT32, "backward");
        Shapes s = shapes(batch);
        s.check("x", len(x), s.x);
        s.check("y", len(y), s.y);
        s.checkWeights("w", len(w));
        s.check("gradOut", len(gradOut), s.out);
        return computeBackward(x, y, orEmpty(w), gradOut, batch);
    }

    @Override
    public final DoubleGradientsF32 doubleBackward(float[] x, float[] y, float[] w, float[] gradOut,
                                                   float[] dx, float[] dy, float[] dw, int batch) {
        check(DType.FLOAT32, "doubleBackward");
        Shapes s = shapes(batch);
        s.check("x", len(x), s.x);
        s.check("y", len(y), s.y);
        s.checkWeights("w", len(w));
        s.check("gradOut", len(gradOut), s.out);
        s.check("dx", len(dx), s.x);
        s.check("dy", len(dy), s.y);
        s.checkWeights("dw", len(dw));
        return computeDoubleBackward(x, y, orEmpty(w), gradOut, dx, dy, orEmpty(dw), batch);
    }

    protected abstract double[] computeForward(double[] x, double[] y, double[] w, int batch);

    protected abstract Gradients computeBackward(double[] x, double[] y, double[] w, double[] gradOut, int batch);

    protected abstract DoubleGradients computeDoubleBackward(double[] x, double[] y, double[] w, double[] gradOut,
                                                             double[] dx, double[] dy, double[] dw, int batch);

    protected abstract float[] computeForward(float[] x, float[] y, float[] w, int batch);

    protected abstract GradientsF32 computeBackward(float[] x, float[] y, float[] w, float[] gradOut, int batch);

    protected abstract DoubleGradientsF32 computeDoubleBackward(float[] x, float[] y, float[] w, float[] gradOut,
                                                                float[] dx, float[] dy, float[] dw, int batch);

    @Override
    public void close() {
        closed = true;
    }

    protected final boolean isClosed() {
        return closed;
    }

    private void check(DType called, String op) {
        if (closed) {
            throw new IllegalStateException(op + " on a closed " + backend() + " tensor product for " + problem);
        }
        if (called != dtype) {
            throw new IllegalArgumentException(op + " was given " + (called == DType.FLOAT64 ? "double[]" : "float[]")
                    + " arrays but this tensor product was created for " + dtype
                    + "; create one with DType." + called + " or pass " + (dtype == DType.FLOAT64 ? "double[]" : "float[]"));
        }
    }

    private static int len(double[] a) {
        return a == null ? -1 : a.length;
    }

    private static int len(float[] a) {
        return a == null ? -1 : a.length;
    }

    private static double[] orEmpty(double[] w) {
        return w == null ? new double[0] : w;
    }

    private static float[] orEmpty(float[] w) {
        return w == null ? new float[0] : w;
    }

    private Shapes shapes(int batch) {
        if (batch < 0) {
            throw new IllegalArgumentException("batch must be >= 0, got " + batch);
        }
        return new Shapes(problem, batch);
    }

    /** Expected array lengths for one call. */
    private record Shapes(TPProblem p, int batch, long x, long y, long out) {
        Shapes(TPProblem p, int batch) {
            this(p, batch, (long) batch * p.in1().dim(), (long) batch * p.in2().dim(), (long) batch * p.out().dim());
        }

        void check(String name, int actual, long expected) {
            if (actual < 0) {
                throw new IllegalArgumentException(name + " must not be null");
            }
            if (actual != expected) {
                throw new IllegalArgumentException(name + " has " + actual + " values; expected batch (" + batch
                        + ") x " + expected / Math.max(batch, 1) + " = " + expected + " for " + p);
            }
        }

        void checkWeights(String name, int actual) {
            long expected = p.sharedWeights() ? p.weightNumel() : (long) batch * p.weightNumel();
            if (actual < 0) {
                if (expected == 0) {
                    return; // weightless problem: null is fine
                }
                throw new IllegalArgumentException(name + " must not be null: the problem has " + p.weightNumel()
                        + " weights per " + (p.sharedWeights() ? "batch" : "row"));
            }
            if (actual != expected) {
                throw new IllegalArgumentException(name + " has " + actual + " values; expected "
                        + (p.sharedWeights() ? "weightNumel = " + expected + " (shared weights)"
                        : "batch (" + batch + ") x weightNumel (" + p.weightNumel() + ") = " + expected)
                        + " for " + p);
            }
        }
    }
}
