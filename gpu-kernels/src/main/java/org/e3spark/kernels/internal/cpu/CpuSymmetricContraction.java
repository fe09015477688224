package org.e3spark.kernels.internal.cpu;

import org.e3spark.kernels.Backend;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.SymmetricContractionProblem;
import org.e3spark.kernels.internal.SymmetricContractionBase;

/**
 * A CPU symmetric contraction over one of two engines: {@link ScPolynomialEngine} (CPU: sparse
 * symmetric polynomials, multithreaded) or {@link ScReferenceEngine} (CPU_REFERENCE: MACE's dense
 * formula, single thread). Arithmetic is float64; FLOAT32 goes through the base class's adapter.
 */
public final class CpuSymmetricContraction extends SymmetricContractionBase {

    private final Backend backend;
    private final ScEngine engine;

    public CpuSymmetricContraction(SymmetricContractionProblem problem, DType dtype, Backend backend) {
        super(problem, dtype);
        this.backend = backend;
        this.engine = switch (backend) {
            case CPU -> new ScPolynomialEngine(problem);
            case CPU_REFERENCE -> new ScReferenceEngine(problem);
            default -> throw new IllegalArgumentException("not a CPU backend: " + backend);
        };
    }

    @Override
    public Backend backend() {
        return backend;
    }

    @Override
    protected double[] computeForward(double[] x, int[] species, double[] w, int batch) {
        double[] out = new double[batch * problem.outputDim()];
        engine.forward(x, species, w, out, batch);
        return out;
    }

    @Override
    protected Gradients<double[]> computeBackward(double[] x, int[] species, double[] w, double[] g, int batch) {
        double[] gx = new double[x.length];
        double[] gw = new double[w.length];
        engine.backward(x, species, w, g, gx, gw, batch);
        return new Gradients<>(gx, gw);
    }

    @Override
    protected DoubleGradients<double[]> computeDoubleBackward(double[] x, int[] species, double[] w, double[] g,
                                                              double[] dx, double[] dw, int batch) {
        double[] ggx = new double[x.length];
        double[] ggw = new double[w.length];
        double[] ggOut = new double[g.length];
        engine.doubleBackward(x, species, w, g, dx, dw, ggx, ggw, ggOut, batch);
        return new DoubleGradients<>(ggx, ggw, ggOut);
    }
}
