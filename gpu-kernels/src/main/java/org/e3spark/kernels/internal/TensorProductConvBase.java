package org.e3spark.kernels.internal;

import org.e3spark.kernels.Backend;
import org.e3spark.kernels.ConvGraph;
import org.e3spark.kernels.ConvMode;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.DoubleGradients;
import org.e3spark.kernels.DoubleGradientsF32;
import org.e3spark.kernels.Gradients;
import org.e3spark.kernels.GradientsF32;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.TensorProductConv;

/**
 * What every convolution backend shares: the dtype rule, node/edge array checks before any work,
 * and the closed state. Backends implement the {@code compute*} methods on checked arrays.
 */
public abstract class TensorProductConvBase implements TensorProductConv {

    protected final TPProblem problem;
    protected final DType dtype;
    protected final ConvMode mode;
    private volatile boolean closed;

    protected TensorProductConvBase(TPProblem problem, DType dtype, ConvMode mode) {
        if (problem == null || dtype == null || mode == null) {
            throw new IllegalArgumentException("problem, dtype and mode must not be null");
        }
        this.problem = problem;
        this.dtype = dtype;
        this.mode = mode;
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
    public ConvMode mode() {
        return mode;
    }

    @Override
    public abstract Backend backend();

    @Override
    public final double[] forward(double[] x, double[] y, double[] w, ConvGraph graph) {
        check(DType.FLOAT64, "forward", graph);
        checkInputs(Operands.length(x), Operands.length(y), Operands.length(w), graph);
        return computeForward(x, y, Operands.orEmpty(w), graph);
    }

    @Override
    public final Gradients backward(double[] x, double[] y, double[] w, ConvGraph graph, double[] gradOut) {
        check(DType.FLOAT64, "backward", graph);
        checkInputs(Operands.length(x), Operands.length(y), Operands.length(w), graph);
        checkNodes("gradOut", Operands.length(gradOut), problem.out().dim(), graph);
        return computeBackward(x, y, Operands.orEmpty(w), graph, gradOut);
    }

    @Override
    public final DoubleGradients doubleBackward(double[] x, double[] y, double[] w, ConvGraph graph, double[] gradOut,
                                                double[] dx, double[] dy, double[] dw) {
        check(DType.FLOAT64, "doubleBackward", graph);
        checkInputs(Operands.length(x), Operands.length(y), Operands.length(w), graph);
        checkNodes("gradOut", Operands.length(gradOut), problem.out().dim(), graph);
        checkSeeds(Operands.length(dx), Operands.length(dy), Operands.length(dw), graph);
        return computeDoubleBackward(x, y, Operands.orEmpty(w), graph, gradOut, dx, dy, Operands.orEmpty(dw));
    }

    @Override
    public final float[] forward(float[] x, float[] y, float[] w, ConvGraph graph) {
        check(DType.FLOAT32, "forward", graph);
        checkInputs(Operands.length(x), Operands.length(y), Operands.length(w), graph);
        return computeForward(x, y, Operands.orEmpty(w), graph);
    }

    @Override
    public final GradientsF32 backward(float[] x, float[] y, float[] w, ConvGraph graph, float[] gradOut) {
        check(DType.FLOAT32, "backward", graph);
        checkInputs(Operands.length(x), Operands.length(y), Operands.length(w), graph);
        checkNodes("gradOut", Operands.length(gradOut), problem.out().dim(), graph);
        return computeBackward(x, y, Operands.orEmpty(w), graph, gradOut);
    }

    @Override
    public final DoubleGradientsF32 doubleBackward(float[] x, float[] y, float[] w, ConvGraph graph, float[] gradOut,
                                                   float[] dx, float[] dy, float[] dw) {
        check(DType.FLOAT32, "doubleBackward", graph);
        checkInputs(Operands.length(x), Operands.length(y), Operands.length(w), graph);
        checkNodes("gradOut", Operands.length(gradOut), problem.out().dim(), graph);
        checkSeeds(Operands.length(dx), Operands.length(dy), Operands.length(dw), graph);
        return computeDoubleBackward(x, y, Operands.orEmpty(w), graph, gradOut, dx, dy, Operands.orEmpty(dw));
    }

    protected abstract double[] computeForward(double[] x, double[] y, double[] w, ConvGraph graph);

    protected abstract Gradients computeBackward(double[] x, double[] y, double[] w, ConvGraph graph, double[] g);

    protected abstract DoubleGradients computeDoubleBackward(double[] x, double[] y, double[] w, ConvGraph graph,
                                                             double[] g, double[] dx, double[] dy, double[] dw);

    protected abstract float[] computeForward(float[] x, float[] y, float[] w, ConvGraph graph);

    protected abstract GradientsF32 computeBackward(float[] x, float[] y, float[] w, ConvGraph graph, float[] g);

    protected abstract DoubleGradientsF32 computeDoubleBackward(float[] x, float[] y, float[] w, ConvGraph graph,
                                                                float[] g, float[] dx, float[] dy, float[] dw);

    @Override
    public void close() {
        closed = true;
    }

    protected final boolean isClosed() {
        return closed;
    }

    private void check(DType called, String op, ConvGraph graph) {
        if (closed) {
            throw new IllegalStateException(op + " on a closed " + backend() + " convolution for " + problem);
        }
        if (graph == null) {
            throw new IllegalArgumentException(op + ": graph must not be null");
        }
        Operands.checkDtype(called, dtype, op);
    }

    private void checkInputs(int x, int y, int w, ConvGraph g) {
        checkNodes("x", x, problem.in1().dim(), g);
        Operands.checkRows("y", y, g.numEdges(), problem.in2().dim(), "edges", problem);
        Operands.checkWeights("w", w, g.numEdges(), "edges", problem);
    }

    private void checkSeeds(int dx, int dy, int dw, ConvGraph g) {
        checkNodes("dx", dx, problem.in1().dim(), g);
        Operands.checkRows("dy", dy, g.numEdges(), problem.in2().dim(), "edges", problem);
        Operands.checkWeights("dw", dw, g.numEdges(), "edges", problem);
    }

    private void checkNodes(String name, int length, int dim, ConvGraph g) {
        Operands.checkRows(name, length, g.numNodes(), dim, "nodes", problem);
    }
}
