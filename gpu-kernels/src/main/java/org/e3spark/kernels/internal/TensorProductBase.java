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
        checkBatch(batch);
        Operands.checkRows("x", length(x), batch, problem.in1().dim(), "batch", problem);
        Operands.checkRows("y", length(y), batch, problem.in2().dim(), "batch", problem);
        Operands.checkWeights("w", length(w), batch, "batch", problem);
        return computeForward(x, y, orEmpty(w), batch);
    }

    @Override
    public final Gradients backward(double[] x, double[] y, double[] w, double[] gradOut, int batch) {
        check(DType.FLOAT64, "backward");
        checkBatch(batch);
        Operands.checkRows("x", length(x), batch, problem.in1().dim(), "batch", problem);
        Operands.checkRows("y", length(y), batch, problem.in2().dim(), "batch", problem);
        Operands.checkWeights("w", length(w), batch, "batch", problem);
        Operands.checkRows("gradOut", length(gradOut), batch, problem.out().dim(), "batch", problem);
        return computeBackward(x, y, orEmpty(w), gradOut, batch);
    }

    @Override
    public final DoubleGradients doubleBackward(double[] x, double[] y, double[] w, double[] gradOut,
                                                double[] dx, double[] dy, double[] dw, int batch) {
        check(DType.FLOAT64, "doubleBackward");
        checkBatch(batch);
        Operands.checkRows("x", length(x), batch, problem.in1().dim(), "batch", problem);
        Operands.checkRows("y", length(y), batch, problem.in2().dim(), "batch", problem);
        Operands.checkWeights("w", length(w), batch, "batch", problem);
        Operands.checkRows("gradOut", length(gradOut), batch, problem.out().dim(), "batch", problem);
        Operands.checkRows("dx", length(dx), batch, problem.in1().dim(), "batch", problem);
        Operands.checkRows("dy", length(dy), batch, problem.in2().dim(), "batch", problem);
        Operands.checkWeights("dw", length(dw), batch, "batch", problem);
        return computeDoubleBackward(x, y, orEmpty(w), gradOut, dx, dy, orEmpty(dw), batch);
    }

    // ---- float32 ----

    @Override
    public final float[] forward(float[] x, float[] y, float[] w, int batch) {
        check(DType.FLOAT32, "forward");
        checkBatch(batch);
        Operands.checkRows("x", length(x), batch, problem.in1().dim(), "batch", problem);
        Operands.checkRows("y", length(y), batch, problem.in2().dim(), "batch", problem);
        Operands.checkWeights("w", length(w), batch, "batch", problem);
        return computeForward(x, y, orEmpty(w), batch);
    }

    @Override
    public final GradientsF32 backward(float[] x, float[] y, float[] w, float[] gradOut, int batch) {
        check(DType.FLOAT32, "backward");
        checkBatch(batch);
        Operands.checkRows("x", length(x), batch, problem.in1().dim(), "batch", problem);
        Operands.checkRows("y", length(y), batch, problem.in2().dim(), "batch", problem);
        Operands.checkWeights("w", length(w), batch, "batch", problem);
        Operands.checkRows("gradOut", length(gradOut), batch, problem.out().dim(), "batch", problem);
        return computeBackward(x, y, orEmpty(w), gradOut, batch);
    }

    @Override
    public final DoubleGradientsF32 doubleBackward(float[] x, float[] y, float[] w, float[] gradOut,
                                                   float[] dx, float[] dy, float[] dw, int batch) {
        check(DType.FLOAT32, "doubleBackward");
        checkBatch(batch);
        Operands.checkRows("x", length(x), batch, problem.in1().dim(), "batch", problem);
        Operands.checkRows("y", length(y), batch, problem.in2().dim(), "batch", problem);
        Operands.checkWeights("w", length(w), batch, "batch", problem);
        Operands.checkRows("gradOut", length(gradOut), batch, problem.out().dim(), "batch", problem);
        Operands.checkRows("dx", length(dx), batch, problem.in1().dim(), "batch", problem);
        Operands.checkRows("dy", length(dy), batch, problem.in2().dim(), "batch", problem);
        Operands.checkWeights("dw", length(dw), batch, "batch", problem);
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
        Operands.checkDtype(called, dtype, op);
    }

    private static int length(double[] a) {
        return Operands.length(a);
    }

    private static int length(float[] a) {
        return Operands.length(a);
    }

    private static double[] orEmpty(double[] w) {
        return Operands.orEmpty(w);
    }

    private static float[] orEmpty(float[] w) {
        return Operands.orEmpty(w);
    }

    private static void checkBatch(int batch) {
        if (batch < 0) {
            throw new IllegalArgumentException("batch must be >= 0, got " + batch);
        }
    }
}
