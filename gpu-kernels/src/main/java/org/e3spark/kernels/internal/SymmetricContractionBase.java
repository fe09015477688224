package org.e3spark.kernels.internal;

import org.e3spark.kernels.DType;
import org.e3spark.kernels.SymmetricContraction;
import org.e3spark.kernels.SymmetricContractionProblem;

/**
 * What every symmetric-contraction backend shares: the dtype rule, the checks of sizes and species
 * before any work, the closed state, and the float32 adapter. Backends implement the float64
 * {@code compute*} methods on checked arrays; the float32 ones default to widening the inputs
 * exactly to double, computing in float64 and rounding each result once (a GPU backend overrides them).
 */
public abstract class SymmetricContractionBase implements SymmetricContraction {

    protected final SymmetricContractionProblem problem;
    protected final DType dtype;
    private volatile boolean closed;

    protected SymmetricContractionBase(SymmetricContractionProblem problem, DType dtype) {
        if (problem == null || dtype == null) {
            throw new IllegalArgumentException("problem and dtype must not be null");
        }
        this.problem = problem;
        this.dtype = dtype;
    }

    @Override
    public SymmetricContractionProblem problem() {
        return problem;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    // ---- float64 ----

    @Override
    public final double[] forward(double[] x, int[] species, double[] w, int batch) {
        checkCommon(DType.FLOAT64, "forward", Operands.length(x), species, Operands.length(w), batch);
        return computeForward(x, species, w, batch);
    }

    @Override
    public final Gradients<double[]> backward(double[] x, int[] species, double[] w, double[] gradOut, int batch) {
        checkCommon(DType.FLOAT64, "backward", Operands.length(x), species, Operands.length(w), batch);
        checkRows("gradOut", Operands.length(gradOut), batch, problem.outputDim());
        return computeBackward(x, species, w, gradOut, batch);
    }

    @Override
    public final DoubleGradients<double[]> doubleBackward(double[] x, int[] species, double[] w, double[] gradOut,
                                                          double[] dx, double[] dw, int batch) {
        checkCommon(DType.FLOAT64, "doubleBackward", Operands.length(x), species, Operands.length(w), batch);
        checkRows("gradOut", Operands.length(gradOut), batch, problem.outputDim());
        checkRows("dx", Operands.length(dx), batch, problem.inputDim());
        checkWeights("dw", Operands.length(dw));
        return computeDoubleBackward(x, species, w, gradOut, dx, dw, batch);
    }

    // ---- float32 ----

    @Override
    public final float[] forward(float[] x, int[] species, float[] w, int batch) {
        checkCommon(DType.FLOAT32, "forward", Operands.length(x), species, Operands.length(w), batch);
        return computeForward(x, species, w, batch);
    }

    @Override
    public final Gradients<float[]> backward(float[] x, int[] species, float[] w, float[] gradOut, int batch) {
        checkCommon(DType.FLOAT32, "backward", Operands.length(x), species, Operands.length(w), batch);
        checkRows("gradOut", Operands.length(gradOut), batch, problem.outputDim());
        return computeBackward(x, species, w, gradOut, batch);
    }

    @Override
    public final DoubleGradients<float[]> doubleBackward(float[] x, int[] species, float[] w, float[] gradOut,
                                                         float[] dx, float[] dw, int batch) {
        checkCommon(DType.FLOAT32, "doubleBackward", Operands.length(x), species, Operands.length(w), batch);
        checkRows("gradOut", Operands.length(gradOut), batch, problem.outputDim());
        checkRows("dx", Operands.length(dx), batch, problem.inputDim());
        checkWeights("dw", Operands.length(dw));
        return computeDoubleBackward(x, species, w, gradOut, dx, dw, batch);
    }

    protected abstract double[] computeForward(double[] x, int[] species, double[] w, int batch);

    protected abstract Gradients<double[]> computeBackward(double[] x, int[] species, double[] w, double[] gradOut,
                                                           int batch);

    protected abstract DoubleGradients<double[]> computeDoubleBackward(double[] x, int[] species, double[] w,
                                                                       double[] gradOut, double[] dx, double[] dw,
                                                                       int batch);

    protected float[] computeForward(float[] x, int[] species, float[] w, int batch) {
        return round(computeForward(widen(x), species, widen(w), batch));
    }

    protected Gradients<float[]> computeBackward(float[] x, int[] species, float[] w, float[] gradOut, int batch) {
        Gradients<double[]> g = computeBackward(widen(x), species, widen(w), widen(gradOut), batch);
        return new Gradients<>(round(g.x()), round(g.w()));
    }

    protected DoubleGradients<float[]> computeDoubleBackward(float[] x, int[] species, float[] w, float[] gradOut,
                                                             float[] dx, float[] dw, int batch) {
        DoubleGradients<double[]> g = computeDoubleBackward(widen(x), species, widen(w), widen(gradOut), widen(dx),
                widen(dw), batch);
        return new DoubleGradients<>(round(g.x()), round(g.w()), round(g.gradOut()));
    }

    @Override
    public void close() {
        closed = true;
    }

    protected final boolean isClosed() {
        return closed;
    }

    private void checkCommon(DType called, String op, int xLength, int[] species, int wLength, int batch) {
        if (closed) {
            throw new IllegalStateException(op + " on a closed " + backend() + " symmetric contraction for " + problem);
        }
        Operands.checkDtype(called, dtype, op);
        if (batch < 0) {
            throw new IllegalArgumentException("batch must be >= 0, got " + batch);
        }
        checkRows("x", xLength, batch, problem.inputDim());
        if (species == null) {
            throw new IllegalArgumentException("species must not be null");
        }
        if (species.length != batch) {
            throw new IllegalArgumentException("species has " + species.length + " values; expected batch (" + batch
                    + ") for " + problem);
        }
        for (int n = 0; n < batch; n++) {
            if (species[n] < 0 || species[n] >= problem.elements()) {
                throw new IllegalArgumentException("species[" + n + "] = " + species[n] + " is out of range: row " + n
                        + " must name an element in 0.." + (problem.elements() - 1) + " for " + problem);
            }
        }
        checkWeights("w", wLength);
    }

    private void checkRows(String name, int length, int rows, int dim) {
        if (length < 0) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        long expected = (long) rows * dim;
        if (length != expected) {
            throw new IllegalArgumentException(name + " has " + length + " values; expected batch (" + rows + ") x "
                    + dim + " = " + expected + " for " + problem);
        }
    }

    private void checkWeights(String name, int length) {
        if (length < 0) {
            throw new IllegalArgumentException(name + " must not be null: the problem has " + problem.weightNumel()
                    + " weights " + problem.weightNames());
        }
        if (length != problem.weightNumel()) {
            throw new IllegalArgumentException(name + " has " + length + " values; expected weightNumel = "
                    + problem.weightNumel() + " (" + String.join(", ", problem.weightNames()) + " flattened) for "
                    + problem);
        }
    }

    protected static double[] widen(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    protected static float[] round(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }
}
