package org.e3spark.model.internal;

import java.util.ArrayList;
import java.util.List;
import org.e3spark.kernels.Irrep;
import org.e3spark.kernels.Irreps;
import org.e3spark.kernels.MulIr;

/**
 * e3nn's {@code nn.Gate(scalars, [silu], gates, [sigmoid], gated)}: the input holds the scalars,
 * then one 0e gate per gated channel, then the gated blocks; the output holds SiLU(scalars), then
 * each gated channel times sigmoid of its gate (activations normalized as e3nn's
 * {@code normalize2mom}). Input irreps = scalars + gates + gated, output irreps = scalars + gated.
 */
public final class Gate {

    private final Irreps scalars;
    private final Irreps gated;
    private final Irreps in;
    private final Irreps out;
    private final int numScalars;
    private final int numGates;
    private final int[] gateOfGatedValue; // for each value of the gated part: its gate index

    /** Splits target irreps into their 0e blocks (scalars) and the rest (gated), keeping order within each. */
    public Gate(Irreps target) {
        List<MulIr> s = new ArrayList<>();
        List<MulIr> g = new ArrayList<>();
        for (MulIr b : target.blocks()) {
            (b.l() == 0 ? s : g).add(b);
        }
        this.scalars = Irreps.of(s);
        this.gated = Irreps.of(g);
        int gates = 0;
        for (MulIr b : g) {
            gates += b.mul();
        }
        this.numScalars = scalars.dim();
        this.numGates = gates;
        List<MulIr> inBlocks = new ArrayList<>(s);
        if (gates > 0) {
            inBlocks.add(new MulIr(gates, new Irrep(0, 1)));
        }
        inBlocks.addAll(g);
        this.in = Irreps.of(inBlocks);
        List<MulIr> outBlocks = new ArrayList<>(s);
        outBlocks.addAll(g);
        this.out = Irreps.of(outBlocks);
        this.gateOfGatedValue = new int[gated.dim()];
        int at = 0;
        int gate = 0;
        for (MulIr b : g) {
            for (int u = 0; u < b.mul(); u++) {
                for (int m = 0; m < b.irrep().dim(); m++) {
                    gateOfGatedValue[at++] = gate;
                }
                gate++;
            }
        }
    }

    public Irreps in() {
        return in;
    }

    public Irreps out() {
        return out;
    }

    /** Number of SiLU scalars (leading values of input and output). */
    public int scalarCount() {
        return numScalars;
    }

    /** Number of sigmoid gates (0e values after the scalars in the input, one per gated channel). */
    public int gateCount() {
        return numGates;
    }

    /** The gated blocks, in order (the tail of both input and output). */
    public Irreps gated() {
        return gated;
    }

    public double[] forward(double[] x, int n) {
        int di = in.dim();
        int dout = out.dim();
        int gd = gated.dim();
        double[] y = new double[n * dout];
        // rows in parallel chunks (element-wise: the same bits on any thread count); each gate's sigmoid
        // once per row, not once per gated component
        RowChunks.forEach(n, (from, to) -> {
            double[] gates = new double[numGates];
            for (int r = from; r < to; r++) {
                int xb = r * di;
                int yb = r * dout;
                for (int c = 0; c < numScalars; c++) {
                    y[yb + c] = Activations.SILU_NORM * Activations.silu(x[xb + c]);
                }
                int gatesAt = xb + numScalars;
                int gatedAt = gatesAt + numGates;
                for (int k = 0; k < numGates; k++) {
                    gates[k] = Activations.SIGMOID_NORM * Activations.sigmoid(x[gatesAt + k]);
                }
                for (int q = 0; q < gd; q++) {
                    y[yb + numScalars + q] = gates[gateOfGatedValue[q]] * x[gatedAt + q];
                }
            }
        });
        return y;
    }

    public double[] backward(double[] x, double[] gy, int n) {
        int di = in.dim();
        int dout = out.dim();
        int gd = gated.dim();
        double[] gx = new double[n * di];
        RowChunks.forEach(n, (from, to) -> {
            double[] sig = new double[numGates];
            for (int r = from; r < to; r++) {
                int xb = r * di;
                int yb = r * dout;
                for (int c = 0; c < numScalars; c++) {
                    gx[xb + c] = gy[yb + c] * Activations.SILU_NORM * Activations.siluDerivative(x[xb + c]);
                }
                int gatesAt = xb + numScalars;
                int gatedAt = gatesAt + numGates;
                for (int k = 0; k < numGates; k++) {
                    sig[k] = Activations.sigmoid(x[gatesAt + k]);
                }
                for (int q = 0; q < gd; q++) {
                    int k = gateOfGatedValue[q];
                    double s = sig[k];
                    double g = gy[yb + numScalars + q];
                    gx[gatedAt + q] += g * Activations.SIGMOID_NORM * s;
                    gx[gatesAt + k] += g * x[gatedAt + q] * Activations.SIGMOID_NORM * s * (1 - s);
                }
            }
        });
        return gx;
    }
}
