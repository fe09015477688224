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
                int r = from;
                for (; r + 3 < to; r += 4) {
                    layerRows4(hIn, r, fi, fo, scale, w, z);
                }
                for (; r < to; r++) {
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
                }
                if (hidden) {
                    activate(z, act, from * fo, to * fo);
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
            // W transposed to [fo][fi]: dL/dh[i] = sum_o W[i, o] gz[o] becomes a contiguous axpy over i per o
            // (vectorized), each element still summing o = 0, 1, ... in order: the bits of the dot product
            double[] wt = new double[fo * fi];
            for (int i = 0; i < fi; i++) {
                for (int o = 0; o < fo; o++) {
                    wt[o * fi + i] = w[i * fo + o];
                }
            }
            double[] gin = new double[rows * fi];
            double[] gOutK = g;
            // the activation's derivative in the same parallel chunk as the row's matrix-vector product
            RowChunks.forEach(rows, (from, to) -> {
                double[] gz = new double[fo];
                double[] acc = new double[fi];
                int r0 = from;
                if (fo * 4 <= 1 << 14) {
                    double[] gz4 = new double[4 * fo];
                    double[] acc4 = new double[4 * fi];
                    for (; r0 + 3 < to; r0 += 4) {
                        for (int q = 0; q < 4; q++) {
                            if (z == null) {
                                System.arraycopy(gOutK, (r0 + q) * fo, gz4, q * fo, fo);
                            } else {
                                activationGradient(gOutK, z, (r0 + q) * fo, gz4, q * fo, fo);
                            }
                        }
                        transposedRows4(gz4, fo, fi, wt, acc4);
                        for (int q = 0; q < 4; q++) {
                            int ib = (r0 + q) * fi;
                            for (int i = 0; i < fi; i++) {
                                gin[ib + i] = acc4[q * fi + i] * scale;
                            }
                        }
                    }
                }
                for (int r = r0; r < to; r++) {
                    int gb = r * fo;
                    int ib = r * fi;
                    if (z == null) {
                        System.arraycopy(gOutK, gb, gz, 0, fo);
                    } else {
                        activationGradient(gOutK, z, gb, gz, 0, fo);
                    }
                    java.util.Arrays.fill(acc, 0.0);
                    for (int o = 0; o < fo; o++) {
                        double c = gz[o];
                        int wb = o * fi;
                        for (int i = 0; i < fi; i++) {
                            acc[i] += wt[wb + i] * c;
                        }
                    }
                    for (int i = 0; i < fi; i++) {
                        gin[ib + i] = acc[i] * scale;
                    }
                }
            });
            g = gin;
        }
        return g;
    }

    /** act[q] = norm * silu(z[q]) for q in [from, to). */
    private void activate(double[] z, double[] act, int from, int to) {
        for (int q = from; q < to; q++) {
            act[q] = activationNorm * Activations.silu(z[q]);
        }
    }

    /** gz[to + o] = g[base + o] * norm * silu'(z[base + o]) for o < n. */
    private void activationGradient(double[] g, double[] z, int base, double[] gz, int to, int n) {
        for (int o = 0; o < n; o++) {
            gz[to + o] = g[base + o] * activationNorm * Activations.siluDerivative(z[base + o]);
        }
    }

    /**
     * Rows r..r+3 of z += (h * scale) W, register-blocked: each weight row is loaded once for four
     * rows. Per element the operations are those of the one-row loop (a zero input skipped, inputs i
     * in order), so the bits are too.
     */
    private static void layerRows4(double[] h, int r, int fi, int fo, double scale, double[] w, double[] z) {
        int h0 = r * fi;
        int z0 = r * fo;
        int z1 = z0 + fo;
        int z2 = z1 + fo;
        int z3 = z2 + fo;
        for (int i = 0; i < fi; i++) {
            double a0 = h[h0 + i] * scale;
            double a1 = h[h0 + fi + i] * scale;
            double a2 = h[h0 + 2 * fi + i] * scale;
            double a3 = h[h0 + 3 * fi + i] * scale;
            int wb = i * fo;
            if (a0 != 0 && a1 != 0 && a2 != 0 && a3 != 0) {
                for (int o = 0; o < fo; o++) {
                    double wo = w[wb + o];
                    z[z0 + o] += a0 * wo;
                    z[z1 + o] += a1 * wo;
                    z[z2 + o] += a2 * wo;
                    z[z3 + o] += a3 * wo;
                }
            } else {
                axpyUnlessZero(a0, w, wb, z, z0, fo);
                axpyUnlessZero(a1, w, wb, z, z1, fo);
                axpyUnlessZero(a2, w, wb, z, z2, fo);
                axpyUnlessZero(a3, w, wb, z, z3, fo);
            }
        }
    }

    private static void axpyUnlessZero(double a, double[] x, int xo, double[] y, int yo, int n) {
        if (a == 0) {
            return;
        }
        for (int q = 0; q < n; q++) {
            y[yo + q] += a * x[xo + q];
        }
    }

    /** acc4[q][i] = sum_o wt[o][i] gz4[q][o] for four rows q, o in order (the one-row loop's bits). */
    private static void transposedRows4(double[] gz4, int fo, int fi, double[] wt, double[] acc4) {
        java.util.Arrays.fill(acc4, 0.0);
        int a1 = fi;
        int a2 = 2 * fi;
        int a3 = 3 * fi;
        for (int o = 0; o < fo; o++) {
            double c0 = gz4[o];
            double c1 = gz4[fo + o];
            double c2 = gz4[2 * fo + o];
            double c3 = gz4[3 * fo + o];
            int wb = o * fi;
            for (int i = 0; i < fi; i++) {
                double wi = wt[wb + i];
                acc4[i] += wi * c0;
                acc4[a1 + i] += wi * c1;
                acc4[a2 + i] += wi * c2;
                acc4[a3 + i] += wi * c3;
            }
        }
    }
}
