package org.e3spark.kernels;

import org.e3spark.kernels.devices.SymmetricContractionFactory;

/**
 * MACE's symmetric contraction of a fixed {@link SymmetricContractionProblem} on one backend and
 * dtype: forward, backward and double backward (SPEC §7, §5).
 *
 * <p>Arrays are flat and row-major with rows (nodes) outermost: x is batch x channels x couplingDim
 * (MACE's layout), the output batch x outputDim (per output irrep a channels x (2L+1) block),
 * species[n] in 0..elements-1 picks row n's weights, and w is the problem's flat weight vector
 * ({@link SymmetricContractionProblem#weightNames()} concatenated). A FLOAT64 instance takes
 * {@code double[]}, a FLOAT32 instance {@code float[]}; the other kind is refused. Sizes and species
 * are checked before any work starts. Close instances (closing twice is harmless; use after close throws).
 */
public interface SymmetricContraction extends AutoCloseable {

    /** Backward results: dL/dx (batch x inputDim) and dL/dw (weightNumel, summed over rows), L = sum(out * gradOut). */
    record Gradients<A>(A x, A w) {
    }

    /**
     * Double-backward results: the gradients with respect to x, w and gradOut of
     * sum(gx * dx) + sum(gw * dw), where (gx, gw) = backward(x, species, w, gradOut).
     */
    record DoubleGradients<A>(A x, A w, A gradOut) {
    }

    /**
     * Creates a symmetric contraction. {@link Backend#CUDA} throws {@code BackendUnavailableException} where
     * no usable GPU and NVRTC are found (or the problem is too large for the unrolled kernels);
     * {@link Backend#AUTO} tries CUDA and otherwise runs on the CPU, logging why once.
     */
    static SymmetricContraction create(SymmetricContractionProblem problem, Backend backend, DType dtype) {
        return SymmetricContractionFactory.create(problem, backend, dtype);
    }

    SymmetricContractionProblem problem();

    /** The backend that actually runs (never AUTO). */
    Backend backend();

    DType dtype();

    double[] forward(double[] x, int[] species, double[] w, int batch);

    Gradients<double[]> backward(double[] x, int[] species, double[] w, double[] gradOut, int batch);

    DoubleGradients<double[]> doubleBackward(double[] x, int[] species, double[] w, double[] gradOut,
                                             double[] dx, double[] dw, int batch);

    float[] forward(float[] x, int[] species, float[] w, int batch);

    Gradients<float[]> backward(float[] x, int[] species, float[] w, float[] gradOut, int batch);

    DoubleGradients<float[]> doubleBackward(float[] x, int[] species, float[] w, float[] gradOut,
                                            float[] dx, float[] dw, int batch);

    @Override
    void close();
}
