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
 * is at least as accurate as a float32 GPU kernel.
 *
 * <p>Double backward needs no new math (SPEC §5): the product is trilinear, so with seeds (a, b, c)
 * d/dx = bwd_x(b, W, g) + bwd_x(y, c, g), d/dy = bwd_y(a, W, g) + bwd_y(x, c, g),
 * d/dW = bwd_W(a, y, g) + bwd_W(x, b, g) and d/dg = TP(a, y, W) + TP(x, b, W) + TP(x, y, c),
 * i.e. three forward and three backward passes.
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
        double[] ddx = new double[x.length];
        double[] ddy = new double[y.length];
        double[] ddw = new double[weightLength(batch)];
        double[] ddg = new double[g.length];
        engine.backward(a, y, w, g, null, ddy, ddw, batch, false); // bwd_y(a,W,g), bwd_W(a,y,g)
        engine.backward(x, b, w, g, ddx, null, ddw, batch, false); // bwd_x(b,W,g), bwd_W(x,b,g)
        engine.backward(x, y, c, g, ddx, ddy, null, batch, true);  // bwd_x(y,c,g), bwd_y(x,c,g)
        engine.forward(a, y, w, ddg, batch, false);
        engine.forward(x, b, w, ddg, batch, false);
        engine.forward(x, y, c, ddg, batch, true);
        return new DoubleGradients(ddx, ddy, ddw, ddg);
    }

    @Override
    protected float[] computeForward(float[] x, float[] y, float[] w, int batch) {
        return toFloat(computeForward(toDouble(x), toDouble(y), toDouble(w), batch));
    }

    @Override
    protected GradientsF32 computeBackward(float[] x, float[] y, float[] w, float[] g, int batch) {
        Gradients r = computeBackward(toDouble(x), toDouble(y), toDouble(w), toDouble(g), batch);
        return new GradientsF32(toFloat(r.x()), toFloat(r.y()), toFloat(r.w()));
    }

    @Override
    protected DoubleGradientsF32 computeDoubleBackward(float[] x, float[] y, float[] w, float[] g,
                                                       float[] a, float[] b, float[] c, int batch) {
        DoubleGradients r = computeDoubleBackward(toDouble(x), toDouble(y), toDouble(w), toDouble(g),
                toDouble(a), toDouble(b), toDouble(c), batch);
        return new DoubleGradientsF32(toFloat(r.x()), toFloat(r.y()), toFloat(r.w()), toFloat(r.gradOut()));
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }
}
