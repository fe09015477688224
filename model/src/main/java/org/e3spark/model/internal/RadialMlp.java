package org.e3spark.model.internal;

/**
 * e3nn's {@code nn.FullyConnectedNet([radial, hidden..., out], act=silu)}: per layer
 * {@code x @ W / sqrt(fan_in)} with W of shape (fan_in, fan_out) (e3nn's {@code layer{j}.weight}),
 * the normalized SiLU between layers and none after the last. Maps each edge's radial basis values
 * to the per-edge weights of its tensor product.
 */
public final class RadialMlp {

    private final int[] sizes;
    private final double activationNorm;

    /** What backward needs: every layer's input (pre-activation for hidden layers). */
    public record Cache(int rows, double[][] inputs, double[][] preActivations) {
    }

    public RadialMlp(int[] sizes) {
        this(sizes, Activations.SILU_NORM);
    }

    /**
     * An MLP whose SiLU is scaled by {@code activationNorm} (MACE models need e3nn's own sampled
     * normalize2mom constant, not the integrated one).
     */
    public RadialMlp(int[] sizes, double activationNorm) {
        if (sizes.length < 2) {
            throw new IllegalArgumentException("an MLP needs at least an input and an output size");
        }
        this.sizes = sizes.clone();
        this.activationNorm = activationNorm;
    }

    public int layers() {
        return sizes.length - 1;
    }

    public int fanIn(int layer) {
        return sizes[layer];
    }

    public int fanOut(int layer) {
        return sizes[layer + 1];
    }

    /** Widths from input to output (length layers() + 1). */
    public int[] sizes() {
        return sizes.clone();
    }

    public int outSize() {
        return sizes[sizes.length - 1];
    }

    /** Output rows x outSize; fills {@code cacheOrNull} when backward will follow. */
    public double[] forward(double[] x, int rows, double[][] weights, Cache[] cacheOrNull) {
        double[][] inputs = new double[layers()][];
        double[][] pre = new double[layers()][];
        double[] h = x;
        for (int k = 0; k < layers(); k++) {
            int fi = sizes[k];
            int fo = sizes[k + 1];
            double scale = 1.0 / Math.sqrt(fi);
            double[] w = weights[k];
            double[] z = new double[rows * fo];
            double[] hIn = h;
            boolean hidden = k < layers() - 1;
            double[] act = hidden ? new double[z.length] : null;
            // rows in parallel chunks, the activation in the same chunk (it was a serial pass over every
            // edge's hidden values); per element the same arithmetic, so the same bits on any thread count
            RowChunks.forEach(rows, (from, to) -> {
                for (int r = from; r < to; r++) {
                    int hb = r * fi;
                    int zb = r * fo;
                    for (int i = 0; i < fi; i++) {
                        double a = hIn[hb + i] * scale;
                        if (a == 0) {
                            continue;
                        }
                        int wb = i * fo;
                        for (int o = 0; o < fo; o++) {
                            z[zb + o] += a * w[wb + o];
                        }
                    }
                    if (hidden) {
                        for (int o = zb; o < zb + fo; o++) {
                            act[o] = activationNorm * Activations.silu(z[o]);
                        }
                    }
                }
            });
            inputs[k] = h;
            if (hidden) {
                pre[k] = z;
                h = act;
            } else {
                h = z;
            }
        }
        if (cacheOrNull != null) {
            cacheOrNull[0] = new Cache(rows, inputs, pre);
        }
        return h;
    }

    /** dL/dx from dL/dout. */
    public double[] backward(Cache cache, double[] gOut, double[][] weights) {
        int rows = cache.rows();
        double[] g = gOut;
        for (int k = layers() - 1; k >= 0; k--) {
            int fi = sizes[k];
            int fo = sizes[k + 1];
            double[] z = k < layers() - 1 ? cache.preActivations()[k] : null;
            double scale = 1.0 / Math.sqrt(fi);
            double[] w = weights[k];
            double[] gin = new double[rows * fi];
            double[] gOutK = g;
            // the activation's derivative in the same parallel chunk as the row's matrix-vector product
            RowChunks.forEach(rows, (from, to) -> {
                double[] gz = new double[fo];
                for (int r = from; r < to; r++) {
                    int gb = r * fo;
                    int ib = r * fi;
                    for (int o = 0; o < fo; o++) {
                        gz[o] = z == null ? gOutK[gb + o]
                                : gOutK[gb + o] * activationNorm * Activations.siluDerivative(z[gb + o]);
                    }
                    for (int i = 0; i < fi; i++) {
                        int wb = i * fo;
                        double s = 0;
                        for (int o = 0; o < fo; o++) {
                            s += w[wb + o] * gz[o];
                        }
                        gin[ib + i] = s * scale;
                    }
                }
            });
            g = gin;
        }
        return g;
    }
}
