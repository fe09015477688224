package org.e3spark.model;

import java.util.List;
import org.e3spark.kernels.ConvGraph;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.Floats;
import org.e3spark.kernels.Gradients;
import org.e3spark.kernels.GradientsF32;
import org.e3spark.kernels.ShNormalization;
import org.e3spark.kernels.SphericalHarmonics;
import org.e3spark.kernels.TensorProductConv;
import org.e3spark.model.internal.ModelPlan;
import org.e3spark.model.internal.RadialBasis;
import org.e3spark.model.internal.RadialMlp;

/**
 * The featurizer's host math for one batch: embedding, edge harmonics and radial basis, the
 * interaction layers (the convolutions on the featurizer's {@link TensorProductConv}s, whatever their
 * backend), the readout ({@link FeatureReadout}) and, when asked, forces by the reverse pass in
 * float64 ({@link EdgeForces}). {@link Featurizer} picks this or its device forward pass.
 */
final class HostForwardPass {

    private final FeaturizerModel model;
    private final ModelPlan plan;
    private final DType dtype;
    private final List<TensorProductConv> convs;
    private final double[][][] mlpWeights;
    private final RadialBasis radial;
    private final double convScale;
    private long kernelNanos;
    private long kernelCalls;

    HostForwardPass(FeaturizerModel model, DType dtype, List<TensorProductConv> convs, double[][][] mlpWeights,
                    RadialBasis radial, double convScale) {
        this.model = model;
        this.plan = model.plan();
        this.dtype = dtype;
        this.convs = convs;
        this.mlpWeights = mlpWeights;
        this.radial = radial;
        this.convScale = convScale;
    }

    long kernelNanos() {
        return kernelNanos;
    }

    long kernelCalls() {
        return kernelCalls;
    }

    /** Features (and forces) of a checked batch; {@code speciesIndex} per atom. */
    FeaturizerResult run(BatchInput in, int[] speciesIndex, boolean forces) {
        FeaturizerConfig c = model.config();
        int n = in.nodeCount();
        int e = in.edgeCount();
        int s = in.structureCount();
        int lmax = c.lmax();
        int shDim = SphericalHarmonics.dim(lmax);
        int numSpecies = c.species().size();
        int[] structureOf = new int[n];
        for (int k = 0; k < s; k++) {
            for (int i = in.nodeOffsets()[k]; i < in.nodeOffsets()[k + 1]; i++) {
                structureOf[i] = k;
            }
        }
        // Embedding: one-hot species through o3.Linear.
        double[] oneHot = new double[n * numSpecies];
        for (int i = 0; i < n; i++) {
            oneHot[i * numSpecies + speciesIndex[i]] = 1.0;
        }
        double[] h = plan.embedding().forward(oneHot, n, model.weight("embedding.weight"));

        // Edge inputs, shared by every layer.
        double[] sh;
        double[] shJacobian = null;
        if (forces) {
            SphericalHarmonics.WithJacobian wj = SphericalHarmonics.evaluateWithJacobian(lmax, in.vectors(), true,
                    ShNormalization.COMPONENT);
            sh = wj.values();
            shJacobian = wj.jacobian();
        } else {
            sh = SphericalHarmonics.evaluate(lmax, in.vectors(), true, ShNormalization.COMPONENT);
        }
        double[] radialDerivative = forces ? new double[e * radial.count()] : null;
        double[] rad = radial.evaluate(in.lengths(), radialDerivative);
        ConvGraph graph = ConvGraph.of(in.senders(), in.receivers(), n);
        float[] shF = dtype == DType.FLOAT32 ? Floats.round(sh) : null;

        int layers = plan.layers().size();
        double[][] hIn = new double[layers][];
        double[][] uCache = new double[layers][];
        double[][] wCache = new double[layers][];
        double[][] gateIn = new double[layers][];
        RadialMlp.Cache[][] mlpCache = new RadialMlp.Cache[layers][1];
        for (ModelPlan.LayerPlan lp : plan.layers()) {
            int k = lp.index();
            hIn[k] = h;
            double[] u = lp.linearUp().forward(h, n, model.weight(lp.prefix() + "linear_up.weight"));
            double[] w = lp.radial().forward(rad, e, mlpWeights[k], forces ? mlpCache[k] : null);
            double[] m = convForward(k, u, sh, shF, w, graph);
            for (int q = 0; q < m.length; q++) {
                m[q] *= convScale;
            }
            double[] gi = lp.linearDown().forward(m, n, model.weight(lp.prefix() + "linear_down.weight"));
            double[] g = lp.gate().forward(gi, n);
            if (lp.residual()) {
                for (int q = 0; q < g.length; q++) {
                    g[q] += h[q];
                }
            }
            if (forces) {
                uCache[k] = u;
                wCache[k] = w;
                gateIn[k] = gi;
            }
            h = g;
        }

        // Readout.
        int width = plan.atomFeatureWidth();
        double[] atom = plan.invariants(h, n);
        double[] perStructure = FeatureReadout.sumAndMean(atom, structureOf, in.nodeOffsets(), width);
        double[] readoutW = model.weight("readout.weight");
        double[] atomEnergy = plan.readout().forward(h, n, readoutW);
        double[] energies = FeatureReadout.perStructure(atomEnergy, structureOf, s);

        double[] forceValues = null;
        if (forces) {
            // d(sum of energies)/dh_L, then back through the layers.
            double[] ones = new double[n];
            java.util.Arrays.fill(ones, 1.0);
            double[] gh = plan.readout().backward(ones, n, readoutW);
            double[] gSh = new double[e * shDim];
            double[] gRad = new double[e * radial.count()];
            for (int k = layers - 1; k >= 0; k--) {
                ModelPlan.LayerPlan lp = plan.layers().get(k);
                double[] gGateIn = lp.gate().backward(gateIn[k], gh, n);
                double[] gm = lp.linearDown().backward(gGateIn, n, model.weight(lp.prefix() + "linear_down.weight"));
                for (int q = 0; q < gm.length; q++) {
                    gm[q] *= convScale;
                }
                double[][] g = convBackward(k, uCache[k], sh, shF, wCache[k], graph, gm);
                for (int q = 0; q < gSh.length; q++) {
                    gSh[q] += g[1][q];
                }
                double[] gr = lp.radial().backward(mlpCache[k][0], g[2], mlpWeights[k]);
                for (int q = 0; q < gRad.length; q++) {
                    gRad[q] += gr[q];
                }
                double[] ghPrev = lp.linearUp().backward(g[0], n, model.weight(lp.prefix() + "linear_up.weight"));
                if (lp.residual()) {
                    for (int q = 0; q < ghPrev.length; q++) {
                        ghPrev[q] += gh[q];
                    }
                }
                gh = ghPrev;
            }
            forceValues = EdgeForces.fromEdgeGradients(in, radial.count(), gSh, shJacobian, gRad, radialDerivative, shDim);
        }
        return new FeaturizerResult(in.structureIds().clone(), in.nodeOffsets().clone(), width, atom, perStructure,
                energies, forceValues);
    }

    private double[] convForward(int k, double[] u, double[] sh, float[] shF, double[] w, ConvGraph graph) {
        TensorProductConv conv = convs.get(k);
        long t0 = System.nanoTime();
        try {
            if (dtype == DType.FLOAT64) {
                return conv.forward(u, sh, w, graph);
            }
            return Floats.widen(conv.forward(Floats.round(u), shF, Floats.round(w), graph));
        } finally {
            kernelNanos += System.nanoTime() - t0;
            kernelCalls++;
        }
    }

    /** (dL/du, dL/dsh, dL/dw). */
    private double[][] convBackward(int k, double[] u, double[] sh, float[] shF, double[] w, ConvGraph graph, double[] g) {
        TensorProductConv conv = convs.get(k);
        long t0 = System.nanoTime();
        try {
            if (dtype == DType.FLOAT64) {
                Gradients r = conv.backward(u, sh, w, graph, g);
                return new double[][] {r.x(), r.y(), r.w()};
            }
            GradientsF32 r = conv.backward(Floats.round(u), shF, Floats.round(w), graph, Floats.round(g));
            return new double[][] {Floats.widen(r.x()), Floats.widen(r.y()), Floats.widen(r.w())};
        } finally {
            kernelNanos += System.nanoTime() - t0;
            kernelCalls++;
        }
    }
}
