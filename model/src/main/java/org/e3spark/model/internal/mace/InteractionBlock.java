package org.e3spark.model.internal.mace;

import org.e3spark.kernels.Backend;
import org.e3spark.kernels.CgConvention;
import org.e3spark.kernels.ConvGraph;
import org.e3spark.kernels.ConvMode;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.Gradients;
import org.e3spark.kernels.Irreps;
import org.e3spark.kernels.TensorProductConv;
import org.e3spark.model.internal.EquivariantLinear;
import org.e3spark.model.internal.RadialMlp;

/**
 * mace's {@code RealAgnosticInteractionBlock} ({@code residual = false}) and
 * {@code RealAgnosticResidualInteractionBlock}: {@code linear_up} (o3.Linear), the fused
 * convolution {@code conv_tp} of the sender's features with the edge harmonics, weighted per edge by
 * {@code conv_tp_weights} (the radial MLP of the edge features) and summed into the receiver, then
 * {@code linear} and the division by avg_num_neighbors. The plain block multiplies the message by
 * its element-dependent {@code skip_tp}; the residual block returns {@code skip_tp} of its input as
 * the separate self connection. The message leaves in mace's channel-major layout
 * ([nodes, C, sum(2l+1)], {@code reshape_irreps}).
 */
final class InteractionBlock implements AutoCloseable {

    /** What backward needs of one forward pass. */
    record Cache(double[] nodeFeats, double[] up, double[] tpWeights, RadialMlp.Cache mlp, double[] conv,
                 double[] linearOut) {
    }

    /** Forward results: the message (channel-major), the self connection (mul_ir, or null) and the cache. */
    record Output(double[] message, double[] sc, Cache cache) {
    }

    /** Backward results: dE/d(block input), dE/d(edge harmonics), dE/d(edge features). */
    record Grads(double[] nodeFeats, double[] sh, double[] edgeFeats) {
    }

    private final boolean residual;
    private final Irreps nodeIrreps;
    private final Irreps target;
    private final EquivariantLinear linearUp;
    private final double[] linearUpWeight;
    private final ConvTensorProduct convProblem;
    private final TensorProductConv conv;
    private final TensorProductConv convF32; // FLOAT32 forward only; null in float64
    private final RadialMlp radial;
    private final double[][] radialWeights;
    private final EquivariantLinear linear;
    private final double[] linearWeight;
    private final SkipTensorProduct skip;
    private final double[] skipWeight;
    private final double avgNumNeighbors;
    private final DType dtype;

    InteractionBlock(boolean residual, Irreps nodeIrreps, Irreps shIrreps, Irreps target, Irreps hiddenOut,
                     int elements, int numBasis, int[] radialHidden, double avgNumNeighbors, CgConvention convention,
                     DType dtype) {
        this.residual = residual;
        this.nodeIrreps = nodeIrreps;
        this.target = target;
        this.linearUp = new EquivariantLinear(nodeIrreps, nodeIrreps);
        this.convProblem = new ConvTensorProduct(nodeIrreps, shIrreps, target, convention);
        int[] sizes = new int[radialHidden.length + 2];
        sizes[0] = numBasis;
        System.arraycopy(radialHidden, 0, sizes, 1, radialHidden.length);
        sizes[sizes.length - 1] = convProblem.problem().weightNumel();
        this.radial = new RadialMlp(sizes, Normalize2Mom.SILU);
        this.linear = new EquivariantLinear(convProblem.midIrreps(), target);
        this.skip = residual ? new SkipTensorProduct(nodeIrreps, elements, hiddenOut)
                : new SkipTensorProduct(target, elements, target);
        this.avgNumNeighbors = avgNumNeighbors;
        this.dtype = dtype;
        this.linearUpWeight = new double[linearUp.weightNumel()];
        this.radialWeights = new double[radial.layers()][];
        this.linearWeight = new double[linear.weightNumel()];
        this.skipWeight = new double[skip.weightNumel()];
        // the fused convolution's float64 CPU kernel serves the backward pass of either dtype
        this.conv = TensorProductConv.create(convProblem.problem(), Backend.CPU, DType.FLOAT64, ConvMode.DETERMINISTIC);
        this.convF32 = dtype == DType.FLOAT32
                ? TensorProductConv.create(convProblem.problem(), Backend.CPU, DType.FLOAT32, ConvMode.DETERMINISTIC)
                : null;
    }

    // ---- what the state dict fills (shapes checked by MaceStateDict) ----

    EquivariantLinear linearUp() {
        return linearUp;
    }

    EquivariantLinear linear() {
        return linear;
    }

    SkipTensorProduct skip() {
        return skip;
    }

    RadialMlp radial() {
        return radial;
    }

    ConvTensorProduct convProblem() {
        return convProblem;
    }

    boolean residual() {
        return residual;
    }

    Irreps target() {
        return target;
    }

    void setWeights(double[] up, double[][] mlp, double[] lin, double[] skipW) {
        System.arraycopy(up, 0, linearUpWeight, 0, linearUpWeight.length);
        for (int k = 0; k < mlp.length; k++) {
            radialWeights[k] = mlp[k].clone();
        }
        System.arraycopy(lin, 0, linearWeight, 0, linearWeight.length);
        System.arraycopy(skipW, 0, skipWeight, 0, skipWeight.length);
    }

    Output forward(double[] nodeFeats, int[] species, double[] sh, double[] edgeFeats, ConvGraph graph, boolean keep) {
        int n = species.length;
        int edges = graph.numEdges();
        double[] sc = residual ? skip.forward(nodeFeats, species, skipWeight) : null;
        double[] up = linearUp.forward(nodeFeats, n, linearUpWeight);
        RadialMlp.Cache[] mlpCache = keep ? new RadialMlp.Cache[1] : null;
        double[] w = radial.forward(edgeFeats, edges, radialWeights, mlpCache);
        double[] msg = convolve(up, sh, w, graph);
        double[] lin = linear.forward(msg, n, linearWeight);
        for (int q = 0; q < lin.length; q++) {
            lin[q] /= avgNumNeighbors;
        }
        double[] out = residual ? lin : skip.forward(lin, species, skipWeight);
        Cache cache = keep ? new Cache(nodeFeats, up, w, mlpCache[0], msg, lin) : null;
        return new Output(ChannelLayout.toChannelMajor(out, target, n), sc, cache);
    }

    private double[] convolve(double[] up, double[] sh, double[] w, ConvGraph graph) {
        if (convF32 == null) {
            return conv.forward(up, sh, w, graph);
        }
        float[] r = convF32.forward(toFloat(up), toFloat(sh), toFloat(w), graph);
        double[] out = new double[r.length];
        for (int i = 0; i < r.length; i++) {
            out[i] = r[i];
        }
        return out;
    }

    static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }

    /**
     * dE/d(inputs) from dE/d(message) (channel-major) and dE/d(sc) (mul_ir, null when the block has
     * none or nothing flows into it).
     */
    Grads backward(Cache cache, int[] species, double[] sh, ConvGraph graph, double[] gMessage, double[] gSc) {
        int n = species.length;
        double[] g = ChannelLayout.fromChannelMajor(gMessage, target, n);
        if (!residual) {
            g = skip.backward(g, species, skipWeight);
        }
        for (int q = 0; q < g.length; q++) {
            g[q] /= avgNumNeighbors;
        }
        double[] gMsg = linear.backward(g, n, linearWeight);
        Gradients tg = conv.backward(cache.up(), sh, cache.tpWeights(), graph, gMsg);
        double[] gw = tg.w();
        double[] gEdge = radial.backward(cache.mlp(), gw, radialWeights);
        double[] gIn = linearUp.backward(tg.x(), n, linearUpWeight);
        if (residual && gSc != null) {
            double[] gs = skip.backward(gSc, species, skipWeight);
            for (int q = 0; q < gIn.length; q++) {
                gIn[q] += gs[q];
            }
        }
        return new Grads(gIn, tg.y(), gEdge);
    }

    @Override
    public void close() {
        conv.close();
        if (convF32 != null) {
            convF32.close();
        }
    }
}
