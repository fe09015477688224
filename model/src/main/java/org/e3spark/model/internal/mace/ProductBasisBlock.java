package org.e3spark.model.internal.mace;

import org.e3spark.kernels.Backend;
import org.e3spark.kernels.CgConvention;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.Irreps;
import org.e3spark.kernels.SymmetricContraction;
import org.e3spark.kernels.SymmetricContractionProblem;
import org.e3spark.model.internal.EquivariantLinear;

/**
 * mace's {@code EquivariantProductBasisBlock}: the element-weighted symmetric contraction of the
 * message (channel-major, correlation 1..4) to the hidden irreps, an o3.Linear, plus the block's self
 * connection when it has one. Its output is the layer's node features (mul_ir layout).
 */
final class ProductBasisBlock implements AutoCloseable {

    record Cache(double[] x) {
    }

    private final SymmetricContractionProblem problem;
    private final SymmetricContraction contraction;
    private final SymmetricContraction contractionF32;
    private final EquivariantLinear linear;
    private final double[] weights;
    private final double[] linearWeight;
    private float[] weightsF32;

    ProductBasisBlock(Irreps irrepsIn, Irreps hiddenOut, int correlation, int elements, CgConvention convention,
                      DType dtype) {
        this.problem = SymmetricContractionProblem.builder(irrepsIn, hiddenOut).correlation(correlation)
                .elements(elements).convention(convention).build();
        this.contraction = SymmetricContraction.create(problem, Backend.CPU, DType.FLOAT64);
        this.contractionF32 = dtype == DType.FLOAT32 ? SymmetricContraction.create(problem, Backend.CPU, DType.FLOAT32)
                : null;
        this.linear = new EquivariantLinear(hiddenOut, hiddenOut);
        this.weights = new double[problem.weightNumel()];
        this.linearWeight = new double[linear.weightNumel()];
    }

    SymmetricContractionProblem problem() {
        return problem;
    }

    EquivariantLinear linear() {
        return linear;
    }

    /** Fills the contraction's flat weight slice by slice ({@code weightNames()} order) and the linear's. */
    void setWeight(String name, double[] values) {
        System.arraycopy(values, 0, weights, problem.weightOffset(name), values.length);
        weightsF32 = null;
    }

    void setLinearWeight(double[] values) {
        System.arraycopy(values, 0, linearWeight, 0, linearWeight.length);
    }

    /** Node features = linear(contraction(x)) (+ sc); x channel-major. */
    double[] forward(double[] x, int[] species, double[] sc) {
        int n = species.length;
        double[] b;
        if (contractionF32 == null) {
            b = contraction.forward(x, species, weights, n);
        } else {
            if (weightsF32 == null) {
                weightsF32 = InteractionBlock.toFloat(weights);
            }
            float[] f = contractionF32.forward(InteractionBlock.toFloat(x), species, weightsF32, n);
            b = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                b[i] = f[i];
            }
        }
        double[] out = linear.forward(b, n, linearWeight);
        if (sc != null) {
            for (int q = 0; q < out.length; q++) {
                out[q] += sc[q];
            }
        }
        return out;
    }

    /** dE/dx (channel-major) from dE/d(node features); the same gradient flows unchanged into sc. */
    double[] backward(double[] x, int[] species, double[] gOut) {
        int n = species.length;
        double[] gb = linear.backward(gOut, n, linearWeight);
        return contraction.backward(x, species, weights, gb, n).x();
    }

    @Override
    public void close() {
        contraction.close();
        if (contractionF32 != null) {
            contractionF32.close();
        }
    }
}
