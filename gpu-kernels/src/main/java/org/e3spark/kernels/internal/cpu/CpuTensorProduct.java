package org.e3spark.kernels.internal.cpu;

import org.e3spark.kernels.Backend;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.DoubleGradients;
import org.e3spark.kernels.DoubleGradientsF32;
import org.e3spark.kernels.Gradients;
import org.e3spark.kernels.GradientsF32;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.internal.TensorProductBase;

/**
 * A CPU tensor product over one of the two engines. Arithmetic is always float64; a FLOAT32
 * instance rounds its float inputs exactly into doubles and rounds the results once to float, so it
 * is at least as accurate as a float32 GPU kernel. On the fast engine the float32 forward and
 * backward widen and round chunk by chunk inside the parallel loop (same bits as whole-array
 * conversion, no serial pass over the batch).
 * Double backward is composed from the passes ({@link TrilinearPasses}).
 */
public final class CpuTensorProduct extends TensorProductBase {

    private final Backend backend;
    private final CpuEngine engine;

    public CpuTensorProduct(TPProblem problem, DType dtype, Backend backend) {
        super(problem, dtype);
        this.backend = backend;
        this.engine = switch (backend) {
            case CPU -> new SparseEngine(problem);
            case CPU_REFERENCE -> new ReferenceEngine(problem);
            default -> throw new IllegalArgumentException("not a CPU backend: " + backend);
        };
    }

    @Override
    public Backend backend() {
        return backend;
    }

    private int weightLength(int batch) {
        return problem.sharedWeights() ? problem.weightNumel() : batch * problem.weightNumel();
    }

    @Override
    protected double[] computeForward(double[] x, double[] y, double[] w, int batch) {
        double[] out = new double[batch * problem.out().dim()];
        engine.forward(x, y, w, out, batch, false);
        return out;
    }

    @Override
    protected Gradients computeBackward(double[] x, double[] y, double[] w, double[] g, int batch) {
        double[] gx = new double[x.length];
        double[] gy = new double[y.length];
        double[] gw = new double[weightLength(batch)];
        engine.backward(x, y, w, g, gx, gy, gw, batch, false);
        return new Gradients(gx, gy, gw);
    }

    @Override
    protected DoubleGradients computeDoubleBackward(double[] x, double[] y, double[] w, double[] g,
                                                    double[] a, double[] b, double[] c, int batch) {
        return passes(batch).doubleBackward(x, y, w, g, a, b, c);
    }

    private TrilinearPasses passes(int batch) {
        return new TrilinearPasses() {
            @Override
            public void forward(double[] x, double[] y, double[] w, double[] out, boolean tangent) {
                engine.forward(x, y, w, out, batch, tangent);
            }

            @Override
            public void backward(double[] x, double[] y, double[] w, double[] g, double[] gx, double[] gy,
                                 double[] gw, boolean tangent) {
                engine.backward(x, y, w, g, gx, gy, gw, batch, tangent);
            }
        };
    }

    @Override
    protected float[] computeForward(float[] x, float[] y, float[] w, int batch) {
        if (engine instanceof SparseEngine sparse) {
            return sparse.forwardF32(x, y, w, batch);
        }
        return Precision.round(computeForward(Precision.widen(x), Precision.widen(y), Precision.widen(w), batch));
    }

    @Override
    protected GradientsF32 computeBackward(float[] x, float[] y, float[] w, float[] g, int batch) {
        if (engine instanceof SparseEngine sparse) {
            float[] gx = new float[x.length];
            float[] gy = new float[y.length];
            float[] gw = new float[weightLength(batch)];
            sparse.backwardF32(x, y, w, g, gx, gy, gw, batch);
            return new GradientsF32(gx, gy, gw);
        }
        return Precision.round(computeBackward(Precision.widen(x), Precision.widen(y), Precision.widen(w),
                Precision.widen(g), batch));
    }

    @Override
    protected DoubleGradientsF32 computeDoubleBackward(float[] x, float[] y, float[] w, float[] g,
                                                       float[] a, float[] b, float[] c, int batch) {
        return Precision.round(computeDoubleBackward(Precision.widen(x), Precision.widen(y), Precision.widen(w),
                Precision.widen(g), Precision.widen(a), Precision.widen(b), Precision.widen(c), batch));
    }
}
