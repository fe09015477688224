package org.e3spark.model.internal.mace;

import org.e3spark.kernels.Irreps;
import org.e3spark.model.internal.Activations;
import org.e3spark.model.internal.EquivariantLinear;

/**
 * mace's readouts: {@code LinearReadoutBlock} (o3.Linear to 1x0e, every layer but the last) and
 * {@code NonLinearReadoutBlock} (last layer: o3.Linear to MLP_irreps, e3nn's normalized SiLU
 * {@code nn.Activation}, o3.Linear to 1x0e). Node energies before scale and shift.
 */
final class ReadoutBlock {

    private final EquivariantLinear linear1;
    private final EquivariantLinear linear2; // null: linear readout
    private final double[] w1;
    private final double[] w2;

    private ReadoutBlock(EquivariantLinear linear1, EquivariantLinear linear2) {
        this.linear1 = linear1;
        this.linear2 = linear2;
        this.w1 = new double[linear1.weightNumel()];
        this.w2 = linear2 == null ? null : new double[linear2.weightNumel()];
    }

    static ReadoutBlock linear(Irreps in) {
        return new ReadoutBlock(new EquivariantLinear(in, Irreps.parse("1x0e")), null);
    }

    static ReadoutBlock nonLinear(Irreps in, Irreps mlp) {
        return new ReadoutBlock(new EquivariantLinear(in, mlp), new EquivariantLinear(mlp, Irreps.parse("1x0e")));
    }

    boolean isLinear() {
        return linear2 == null;
    }

    EquivariantLinear linear1() {
        return linear1;
    }

    EquivariantLinear linear2() {
        return linear2;
    }

    void setWeights(double[] first, double[] second) {
        System.arraycopy(first, 0, w1, 0, w1.length);
        if (linear2 != null) {
            System.arraycopy(second, 0, w2, 0, w2.length);
        }
    }

    /** One value per node. */
    double[] forward(double[] x, int n) {
        double[] h = linear1.forward(x, n, w1);
        if (linear2 == null) {
            return h;
        }
        for (int q = 0; q < h.length; q++) {
            h[q] = Normalize2Mom.SILU * Activations.silu(h[q]);
        }
        return linear2.forward(h, n, w2);
    }

    /** dE/dx given dE/d(node value) per node. */
    double[] backward(double[] x, int n, double[] gOut) {
        if (linear2 == null) {
            return linear1.backward(gOut, n, w1);
        }
        double[] z = linear1.forward(x, n, w1);
        double[] gh = linear2.backward(gOut, n, w2);
        for (int q = 0; q < gh.length; q++) {
            gh[q] *= Normalize2Mom.SILU * Activations.siluDerivative(z[q]);
        }
        return linear1.backward(gh, n, w1);
    }
}
