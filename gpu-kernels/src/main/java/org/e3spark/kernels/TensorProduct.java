package org.e3spark.kernels;

import org.e3spark.kernels.devices.TensorProductFactory;

/**
 * A tensor product of a fixed {@link TPProblem} on one backend and dtype: e3nn's
 * {@code o3.TensorProduct} forward, backward and double backward (SPEC §4, §5).
 *
 * <p>Arrays are flat and row-major with batch rows outermost: x is batch x in1.dim(), y is
 * batch x in2.dim(), the output batch x out.dim(), all in the problem's layout; w is
 * weightNumel (shared weights) or batch x weightNumel (per-row), in e3nn's flat weight order.
 * A FLOAT64 instance takes {@code double[]}, a FLOAT32 instance {@code float[]}; the other kind is
 * refused. Sizes are checked before any work starts. Instances may hold native resources: close
 * them (closing twice is harmless; use after close throws).
 */
public interface TensorProduct extends AutoCloseable {

    /** Creates a tensor product; {@link Backend#AUTO} picks CUDA when it can and logs why it did not. */
    static TensorProduct create(TPProblem problem, Backend backend, DType dtype) {
        return TensorProductFactory.create(problem, backend, dtype);
    }

    TPProblem problem();

    /** The backend that actually runs (never AUTO). */
    Backend backend();

    DType dtype();

    double[] forward(double[] x, double[] y, double[] w, int batch);

    Gradients backward(double[] x, double[] y, double[] w, double[] gradOut, int batch);

    DoubleGradients doubleBackward(double[] x, double[] y, double[] w, double[] gradOut,
                                   double[] dx, double[] dy, double[] dw, int batch);

    float[] forward(float[] x, float[] y, float[] w, int batch);

    GradientsF32 backward(float[] x, float[] y, float[] w, float[] gradOut, int batch);

    DoubleGradientsF32 doubleBackward(float[] x, float[] y, float[] w, float[] gradOut,
                                      float[] dx, float[] dy, float[] dw, int batch);

    @Override
    void close();
}
