package org.e3spark.kernels.internal.cpu;

import org.e3spark.kernels.ConnectionMode;
import org.e3spark.kernels.TPProblem;

/**
 * The tensor product of ONE row (or one edge), on the sparse CG nonzeros: the unit of work both
 * the batched engine and the graph convolution are built from. Operands are addressed by the start
 * of their row in flat arrays, so the caller decides which x row, y row, weight row and output row
 * meet (for a convolution: the sender's features, the edge's attributes and weights, and the
 * receiver's output). Gradient rows sit at the same offsets as their operands' rows.
 *
 * <p>Why channel-major scratch: the work of a path is "for each CG nonzero, for each channel".
 * Blocks are first copied component-major ([m][u], channels contiguous) into per-thread scratch,
 * so the channel loops run over contiguous arrays with one multiply-add per element, which the JIT
 * turns into SIMD; results are copied back into the layout's strides once per path.
 */
final class SparseRowKernel {

    private final Path[] paths;
    private final SparseCg[] cg;
    private final SparseCg.Pairs[] pairs; // paths with one input-2 channel (every SPEC §9 problem; uvw: weighted), else null
    private final int maxPairs;
    private final int dim1;
    private final int[] blocks; // indices of one path per distinct input-1 block used (its staging recipe)
    private final int maxChannels;
    private final int maxComponents;

    SparseRowKernel(TPProblem p) {
        this.paths = Path.of(p);
        this.cg = new SparseCg[paths.length];
        this.pairs = new SparseCg.Pairs[paths.length];
        int channels = 1;
        int components = 1;
        int most = 1;
        for (int k = 0; k < paths.length; k++) {
            Path path = paths[k];
            cg[k] = SparseCg.of(path.l1(), path.l2(), path.lo(), path.coefficient());
            if (path.m2() == 1 && (path.mode() == ConnectionMode.UVU || path.hasWeight())) {
                pairs[k] = cg[k].pairs();
                most = Math.max(most, pairs[k].size());
            }
            channels = Math.max(channels, Math.max(path.m1(), Math.max(path.m2(), path.mo())));
            components = Math.max(components, Math.max(path.d1(), Math.max(path.d2(), path.d3())));
        }
        this.maxChannels = channels;
        this.maxComponents = components;
        this.maxPairs = most;
        this.dim1 = p.in1().dim();
        java.util.List<Integer> firsts = new java.util.ArrayList<>();
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (int k = 0; k < paths.length; k++) {
            if (!paths[k].empty() && seen.add(paths[k].x0())) {
                firsts.add(k);
            }
        }
        this.blocks = firsts.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Stages every input-1 block of the row component-major once ([i][u] at the block's own offset):
     * several paths read each block, and the strided gather was the kernel's costliest loop.
     */
    private void stageX(double[] x, int xr, Scratch s) {
        for (int b : blocks) {
            Path p = paths[b];
            loadBlock(x, xr + p.x0(), p.m1(), p.xu(), p.d1(), p.xi(), s.xAll, p.x0());
        }
    }

    /** Scatters the staged input-1 gradient (component-major per block) into gx's layout. */
    private void unstageGx(Scratch s, double[] gx, int xr) {
        for (int b : blocks) {
            Path p = paths[b];
            storeBlockAdd(s.gxAll, p.x0(), p.m1(), p.d1(), gx, xr + p.x0(), p.xu(), p.xi());
        }
    }

    /** Per-thread scratch, component-major blocks; allocate one per task, never per row. */
    final class Scratch {
        final double[] xAll = new double[dim1];                         // the row's input-1 blocks, staged
        final double[] gxAll = new double[dim1];                        // uvu input-1 gradients, staged
        final double[] x = new double[maxComponents * maxChannels];    // x block [i][u]
        final double[] y = new double[maxComponents * maxChannels];    // mixed y [j][u] (uvu)
        final double[] g = new double[maxComponents * maxChannels];    // gradOut block [k][u or w]
        final double[] acc = new double[maxComponents * maxChannels];  // out / gx block accumulator
        final double[] acc2 = new double[maxComponents * maxChannels]; // gy-tilde accumulator [j][u]
        final double[] t = new double[maxComponents];                  // one (u, v) pair's coupling [k]
        final double[] gk = new double[maxComponents];                 // one (u, v) pair's W-mixed gradOut [k]
        final double[] q = new double[maxChannels];                    // one-channel uvu: dL/dW[u]
        final double[] dots = new double[maxPairs];                    // one-channel uvu: sum_u x W g per (i, k)
    }

    Scratch scratch() {
        return new Scratch();
    }

    /** out[or..] += TP(x[xr..], y[yr..], w[wr..]); weight-tangent passes skip weightless paths. */
    void forward(double[] x, int xr, double[] y, int yr, double[] w, int wr, double[] out, int or,
                 boolean weightsAreTangent, Scratch s) {
        stageX(x, xr, s);
        for (int k = 0; k < paths.length; k++) {
            Path p = paths[k];
            if (p.empty() || (weightsAreTangent && !p.hasWeight())) {
                continue;
            }
            System.arraycopy(s.xAll, p.x0(), s.x, 0, p.d1() * p.m1());
            if (pairs[k] != null && p.mode() == ConnectionMode.UVW) {
                forwardUvw1(p, pairs[k], y, yr, w, wr, s);
                storeBlockAdd(s.acc, p.mo(), p.d3(), out, or + p.o0(), p.ow(), p.ok());
            } else if (pairs[k] != null) {
                forwardUvu1(p, pairs[k], y, yr, s);
                if (p.hasWeight()) {
                    storeBlockAddScaled(s.acc, p.m1(), p.d3(), out, or + p.o0(), p.ow(), p.ok(), w, wr + p.w0());
                } else {
                    storeBlockAdd(s.acc, p.m1(), p.d3(), out, or + p.o0(), p.ow(), p.ok());
                }
            } else if (p.mode() == ConnectionMode.UVU) {
                forwardUvu(p, cg[k], y, yr, w, wr, s);
                storeBlockAdd(s.acc, p.m1(), p.d3(), out, or + p.o0(), p.ow(), p.ok());
            } else {
                forwardUvw(p, cg[k], y, yr, w, wr, s);
                storeBlockAdd(s.acc, p.mo(), p.d3(), out, or + p.o0(), p.ow(), p.ok());
            }
        }
    }

    /**
     * Accumulates the gradients of sum(out * g) for one row: gx at xr, gy at yr, gw at gwr (any of
     * the three arrays may be null when not wanted).
     */
    void backward(double[] x, int xr, double[] y, int yr, double[] w, int wr, double[] g, int gr,
                  double[] gx, double[] gy, double[] gw, int gwr, boolean weightsAreTangent, Scratch s) {
        stageX(x, xr, s);
        if (gx != null) {
            java.util.Arrays.fill(s.gxAll, 0.0);
        }
        for (int k = 0; k < paths.length; k++) {
            Path p = paths[k];
            if (p.empty() || (weightsAreTangent && !p.hasWeight())) {
                continue;
            }
            System.arraycopy(s.xAll, p.x0(), s.x, 0, p.d1() * p.m1());
            if (pairs[k] != null && p.mode() == ConnectionMode.UVW) {
                loadBlock(g, gr + p.o0(), p.mo(), p.ow(), p.d3(), p.ok(), s.g);
                backwardUvw1(p, pairs[k], y, yr, w, wr, gx, gy, gw, gwr, s);
            } else if (pairs[k] != null) {
                loadBlock(g, gr + p.o0(), p.m1(), p.ow(), p.d3(), p.ok(), s.g);
                backwardUvu1(p, pairs[k], y, yr, w, wr, gx, xr, gy, gw, gwr, s);
            } else if (p.mode() == ConnectionMode.UVU) {
                loadBlock(g, gr + p.o0(), p.m1(), p.ow(), p.d3(), p.ok(), s.g);
                backwardUvu(p, cg[k], x, xr, y, yr, w, wr, gx, gy, gw, gwr, s);
            } else {
                loadBlock(g, gr + p.o0(), p.mo(), p.ow(), p.d3(), p.ok(), s.g);
                backwardUvw(p, cg[k], x, xr, y, yr, w, wr, gx, gy, gw, gwr, s);
            }
        }
        if (gx != null) {
            unstageGx(s, gx, xr);
        }
    }

    /** dst[c * channels + u] = src[base + u * channelStride + c * componentStride]. */
    private static void loadBlock(double[] src, int base, int channels, int channelStride, int components,
                                  int componentStride, double[] dst) {
        loadBlock(src, base, channels, channelStride, components, componentStride, dst, 0);
    }

    /** dst[dstBase + c * channels + u] = src[base + u * channelStride + c * componentStride]. */
    private static void loadBlock(double[] src, int base, int channels, int channelStride, int components,
                                  int componentStride, double[] dst, int dstBase) {
        for (int c = 0; c < components; c++) {
            int from = base + c * componentStride;
            int to = dstBase + c * channels;
            for (int u = 0; u < channels; u++) {
                dst[to + u] = src[from + u * channelStride];
            }
        }
    }

    /** dst[base + u * channelStride + c * componentStride] += src[c * channels + u]. */
    private static void storeBlockAdd(double[] src, int channels, int components, double[] dst, int base,
                                      int channelStride, int componentStride) {
        storeBlockAdd(src, 0, channels, components, dst, base, channelStride, componentStride);
    }

    /** dst[base + u * channelStride + c * componentStride] += src[srcBase + c * channels + u]. */
    private static void storeBlockAdd(double[] src, int srcBase, int channels, int components, double[] dst, int base,
                                      int channelStride, int componentStride) {
        for (int c = 0; c < components; c++) {
            int from = srcBase + c * channels;
            int to = base + c * componentStride;
            for (int u = 0; u < channels; u++) {
                dst[to + u * channelStride] += src[from + u];
            }
        }
    }

    /** dst[to + n] += src[n] for n < len. */
    private static void addInto(double[] src, double[] dst, int to, int len) {
        for (int n = 0; n < len; n++) {
            dst[to + n] += src[n];
        }
    }

    /** dst[base + u * channelStride + c * componentStride] += w[wb + u] * src[c * channels + u]. */
    private static void storeBlockAddScaled(double[] src, int channels, int components, double[] dst, int base,
                                            int channelStride, int componentStride, double[] w, int wb) {
        for (int c = 0; c < components; c++) {
            int from = c * channels;
            int to = base + c * componentStride;
            for (int u = 0; u < channels; u++) {
                dst[to + u * channelStride] += w[wb + u] * src[from + u];
            }
        }
    }

    /**
     * uvu with one input-2 channel: out[k][u] = W[u] sum_q M_q x[i_q][u] (W applied when storing),
     * M_q = sum over pair q's nonzeros of C y[j]: one multiply-add per (i, k) pair and channel.
     */
    private static void forwardUvu1(Path p, SparseCg.Pairs pr, double[] y, int yr, Scratch s) {
        int m1 = p.m1();
        java.util.Arrays.fill(s.acc, 0, p.d3() * m1, 0.0);
        int yb = yr + p.y0();
        for (int q = 0; q < pr.size(); q++) {
            double m = pr.contract(q, y, yb, p.yj());
            if (m == 0) {
                continue;
            }
            int a = pr.pairK()[q] * m1;
            int xi = pr.pairI()[q] * m1;
            for (int u = 0; u < m1; u++) {
                s.acc[a + u] += m * s.x[xi + u];
            }
        }
    }

    /**
     * Backward of {@link #forwardUvu1}, with wg[k][u] = W[u] g[k][u]: gx[i][u] += sum_q M_q wg[k][u];
     * gy[j] += sum over nonzeros C sum_u x[i][u] wg[k][u]; gW[u] += sum_q M_q x[i][u] g[k][u].
     */
    private static void backwardUvu1(Path p, SparseCg.Pairs pr, double[] y, int yr, double[] w, int wr,
                                     double[] gx, int xr, double[] gy, double[] gw, int gwr, Scratch s) {
        int m1 = p.m1();
        boolean wantGx = gx != null;
        boolean wantGy = gy != null;
        boolean wantGw = gw != null && p.hasWeight();
        double[] wg = s.g;
        if (p.hasWeight()) {
            wg = s.y;
            int wb = wr + p.w0();
            for (int k = 0; k < p.d3(); k++) {
                int a = k * m1;
                for (int u = 0; u < m1; u++) {
                    wg[a + u] = w[wb + u] * s.g[a + u];
                }
            }
        }
        if (wantGx) {
            java.util.Arrays.fill(s.acc, 0, p.d1() * m1, 0.0);
        }
        if (wantGw) {
            java.util.Arrays.fill(s.q, 0, m1, 0.0);
        }
        int yb = yr + p.y0();
        for (int q = 0; q < pr.size(); q++) {
            double m = pr.contract(q, y, yb, p.yj());
            int a = pr.pairK()[q] * m1;
            int xi = pr.pairI()[q] * m1;
            if (wantGx && m != 0) {
                for (int u = 0; u < m1; u++) {
                    s.acc[xi + u] += m * wg[a + u];
                }
            }
            if (wantGw && m != 0) {
                for (int u = 0; u < m1; u++) {
                    s.q[u] += m * s.x[xi + u] * s.g[a + u];
                }
            }
            if (wantGy) {
                s.dots[q] = dot(s.x, xi, wg, a, m1);
            }
        }
        if (wantGx) {
            addInto(s.acc, s.gxAll, p.x0(), p.d1() * m1);
        }
        if (wantGy) {
            int[] start = pr.pairStart();
            for (int q = 0; q < pr.size(); q++) {
                double d = s.dots[q];
                for (int e = start[q]; e < start[q + 1]; e++) {
                    gy[yb + pr.entryJ()[e] * p.yj()] += pr.entryValue()[e] * d;
                }
            }
        }
        if (wantGw) {
            int gwb = gwr + p.w0();
            for (int u = 0; u < m1; u++) {
                gw[gwb + u] += s.q[u];
            }
        }
    }

    /** T[k][u] = sum_q M_q x[i_q][u] into s.acc2 (one input-2 channel: the coupling before the weights). */
    private static void coupleAll(Path p, SparseCg.Pairs pr, double[] y, int yr, Scratch s) {
        int m1 = p.m1();
        java.util.Arrays.fill(s.acc2, 0, p.d3() * m1, 0.0);
        int yb = yr + p.y0();
        for (int q = 0; q < pr.size(); q++) {
            double m = pr.contract(q, y, yb, p.yj());
            if (m == 0) {
                continue;
            }
            int a = pr.pairK()[q] * m1;
            int xi = pr.pairI()[q] * m1;
            for (int u = 0; u < m1; u++) {
                s.acc2[a + u] += m * s.x[xi + u];
            }
        }
    }

    /**
     * uvw with one input-2 channel: T[k][u] = sum_q M_q x[i_q][u] over the channel axis, then
     * out[k][w] = sum_u T[k][u] W[u, w] (a small matrix product, contiguous over w).
     */
    private static void forwardUvw1(Path p, SparseCg.Pairs pr, double[] y, int yr, double[] w, int wr, Scratch s) {
        int m1 = p.m1();
        int mo = p.mo();
        coupleAll(p, pr, y, yr, s);
        java.util.Arrays.fill(s.acc, 0, p.d3() * mo, 0.0);
        int wb = wr + p.w0();
        for (int k = 0; k < p.d3(); k++) {
            int a = k * mo;
            int t0 = k * m1;
            for (int u = 0; u < m1; u++) {
                double t = s.acc2[t0 + u];
                if (t == 0) {
                    continue;
                }
                int wu = wb + u * mo;
                for (int wo = 0; wo < mo; wo++) {
                    s.acc[a + wo] += t * w[wu + wo];
                }
            }
        }
    }

    /**
     * Backward of {@link #forwardUvw1}, with G[k][u] = sum_w W[u, w] g[k][w]: gx[i][u] += sum_q M_q G[k][u]
     * (staged), gy[j] += sum over nonzeros C sum_u x[i][u] G[k][u], gW[u, w] += sum_k T[k][u] g[k][w].
     */
    private static void backwardUvw1(Path p, SparseCg.Pairs pr, double[] y, int yr, double[] w, int wr,
                                     double[] gx, double[] gy, double[] gw, int gwr, Scratch s) {
        int m1 = p.m1();
        int mo = p.mo();
        int wb = wr + p.w0();
        int yb = yr + p.y0();
        if (gx != null || gy != null) {
            for (int k = 0; k < p.d3(); k++) {
                for (int u = 0; u < m1; u++) {
                    s.y[k * m1 + u] = dot(w, wb + u * mo, s.g, k * mo, mo);
                }
            }
            if (gx != null) {
                java.util.Arrays.fill(s.acc, 0, p.d1() * m1, 0.0);
            }
            for (int q = 0; q < pr.size(); q++) {
                int a = pr.pairK()[q] * m1;
                int xi = pr.pairI()[q] * m1;
                if (gx != null) {
                    double m = pr.contract(q, y, yb, p.yj());
                    if (m != 0) {
                        for (int u = 0; u < m1; u++) {
                            s.acc[xi + u] += m * s.y[a + u];
                        }
                    }
                }
                if (gy != null) {
                    s.dots[q] = dot(s.x, xi, s.y, a, m1);
                }
            }
            if (gx != null) {
                addInto(s.acc, s.gxAll, p.x0(), p.d1() * m1);
            }
            if (gy != null) {
                int[] start = pr.pairStart();
                for (int q = 0; q < pr.size(); q++) {
                    double d = s.dots[q];
                    for (int e = start[q]; e < start[q + 1]; e++) {
                        gy[yb + pr.entryJ()[e] * p.yj()] += pr.entryValue()[e] * d;
                    }
                }
            }
        }
        if (gw != null) {
            coupleAll(p, pr, y, yr, s);
            int gwb = gwr + p.w0();
            for (int k = 0; k < p.d3(); k++) {
                int a = k * mo;
                int t0 = k * m1;
                for (int u = 0; u < m1; u++) {
                    double t = s.acc2[t0 + u];
                    if (t == 0) {
                        continue;
                    }
                    int gu = gwb + u * mo;
                    for (int wo = 0; wo < mo; wo++) {
                        gw[gu + wo] += t * s.g[a + wo];
                    }
                }
            }
        }
    }

    /** sum_u a[ao + u] b[bo + u] with four independent partial sums (fixed order: same bits every run). */
    private static double dot(double[] a, int ao, double[] b, int bo, int n) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int u = 0;
        for (; u + 3 < n; u += 4) {
            s0 += a[ao + u] * b[bo + u];
            s1 += a[ao + u + 1] * b[bo + u + 1];
            s2 += a[ao + u + 2] * b[bo + u + 2];
            s3 += a[ao + u + 3] * b[bo + u + 3];
        }
        for (; u < n; u++) {
            s0 += a[ao + u] * b[bo + u];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** s.y[j][u] = sum_v W[u,v] y[v,j] (W = 1 for weightless paths). */
    private static void mixInput2(Path p, double[] y, int yr, double[] w, int wr, Scratch s) {
        int m1 = p.m1();
        int m2 = p.m2();
        int wb = wr + p.w0();
        for (int j = 0; j < p.d2(); j++) {
            int row = j * m1;
            for (int u = 0; u < m1; u++) {
                s.y[row + u] = 0;
            }
            for (int v = 0; v < m2; v++) {
                double yvj = y[yr + p.y0() + v * p.yv() + j * p.yj()];
                if (p.hasWeight()) {
                    for (int u = 0; u < m1; u++) {
                        s.y[row + u] += w[wb + u * m2 + v] * yvj;
                    }
                } else {
                    for (int u = 0; u < m1; u++) {
                        s.y[row + u] += yvj;
                    }
                }
            }
        }
    }

    /** uvu: acc[k][u] = sum over nonzeros of C x[i][u] ytilde[j][u]. */
    private static void forwardUvu(Path p, SparseCg c, double[] y, int yr, double[] w, int wr, Scratch s) {
        int m1 = p.m1();
        mixInput2(p, y, yr, w, wr, s);
        java.util.Arrays.fill(s.acc, 0, p.d3() * m1, 0.0);
        for (int t = 0; t < c.size(); t++) {
            double cv = c.value()[t];
            int a = c.k()[t] * m1;
            int xi = c.i()[t] * m1;
            int yj = c.j()[t] * m1;
            for (int u = 0; u < m1; u++) {
                s.acc[a + u] += cv * s.x[xi + u] * s.y[yj + u];
            }
        }
    }

    /** uvw: per (u, v) the coupling t[k] = sum C x[i][u] y[v,j], then acc[k][w] += W[u,v,w] t[k]. */
    private static void forwardUvw(Path p, SparseCg c, double[] y, int yr, double[] w, int wr, Scratch s) {
        int m1 = p.m1();
        int mo = p.mo();
        java.util.Arrays.fill(s.acc, 0, p.d3() * mo, 0.0);
        for (int v = 0; v < p.m2(); v++) {
            int yb = yr + p.y0() + v * p.yv();
            for (int u = 0; u < m1; u++) {
                couple(c, s.x, u, m1, y, yb, p.yj(), s.t, p.d3());
                int wb = wr + p.w0() + (u * p.m2() + v) * mo;
                for (int k = 0; k < p.d3(); k++) {
                    double tk = s.t[k];
                    if (tk == 0) {
                        continue;
                    }
                    int a = k * mo;
                    for (int wo = 0; wo < mo; wo++) {
                        s.acc[a + wo] += w[wb + wo] * tk;
                    }
                }
            }
        }
    }

    /** t[k] = sum over nonzeros of C x[i][u] y[j] for one channel u of the staged x block. */
    private static void couple(SparseCg c, double[] xs, int u, int m1, double[] y, int yb, int yj, double[] t, int d3) {
        for (int k = 0; k < d3; k++) {
            t[k] = 0;
        }
        for (int n = 0; n < c.size(); n++) {
            t[c.k()[n]] += c.value()[n] * xs[c.i()[n] * m1 + u] * y[yb + c.j()[n] * yj];
        }
    }

    private static void backwardUvu(Path p, SparseCg c, double[] x, int xr, double[] y, int yr, double[] w, int wr,
                                    double[] gx, double[] gy, double[] gw, int gwr, Scratch s) {
        int m1 = p.m1();
        int m2 = p.m2();
        boolean wantGx = gx != null;
        boolean wantMix = gy != null || (gw != null && p.hasWeight());
        mixInput2(p, y, yr, w, wr, s);
        if (wantGx) {
            java.util.Arrays.fill(s.acc, 0, p.d1() * m1, 0.0);
        }
        if (wantMix) {
            java.util.Arrays.fill(s.acc2, 0, p.d2() * m1, 0.0);
        }
        for (int t = 0; t < c.size(); t++) {
            double cv = c.value()[t];
            int gk = c.k()[t] * m1;
            int xi = c.i()[t] * m1;
            int yj = c.j()[t] * m1;
            if (wantGx) {
                for (int u = 0; u < m1; u++) {
                    s.acc[xi + u] += cv * s.y[yj + u] * s.g[gk + u];
                }
            }
            if (wantMix) {
                for (int u = 0; u < m1; u++) {
                    s.acc2[yj + u] += cv * s.x[xi + u] * s.g[gk + u];
                }
            }
        }
        if (wantGx) {
            addInto(s.acc, s.gxAll, p.x0(), p.d1() * m1);
        }
        if (!wantMix) {
            return;
        }
        // ytilde[j][u] = sum_v W[u,v] y[v,j]: spread its gradient (acc2) back to y and to W.
        int wb = wr + p.w0();
        for (int v = 0; v < m2; v++) {
            int yb = yr + p.y0() + v * p.yv();
            for (int j = 0; j < p.d2(); j++) {
                int row = j * m1;
                if (gy != null) {
                    double sum = 0;
                    if (p.hasWeight()) {
                        for (int u = 0; u < m1; u++) {
                            sum += w[wb + u * m2 + v] * s.acc2[row + u];
                        }
                    } else {
                        for (int u = 0; u < m1; u++) {
                            sum += s.acc2[row + u];
                        }
                    }
                    gy[yb + j * p.yj()] += sum;
                }
                if (gw != null && p.hasWeight()) {
                    double yvj = y[yb + j * p.yj()];
                    int gwb = gwr + p.w0() + v;
                    for (int u = 0; u < m1; u++) {
                        gw[gwb + u * m2] += yvj * s.acc2[row + u];
                    }
                }
            }
        }
    }

    private static void backwardUvw(Path p, SparseCg c, double[] x, int xr, double[] y, int yr, double[] w, int wr,
                                    double[] gx, double[] gy, double[] gw, int gwr, Scratch s) {
        int m1 = p.m1();
        int mo = p.mo();
        for (int u = 0; u < m1; u++) {
            int xb = xr + p.x0() + u * p.xu();
            for (int v = 0; v < p.m2(); v++) {
                int yb = yr + p.y0() + v * p.yv();
                int wb = wr + p.w0() + (u * p.m2() + v) * mo;
                if (gx != null || gy != null) {
                    // gk[k] = sum_w W[u,v,w] g[k][w]
                    for (int k = 0; k < p.d3(); k++) {
                        double sum = 0;
                        int a = k * mo;
                        for (int wo = 0; wo < mo; wo++) {
                            sum += w[wb + wo] * s.g[a + wo];
                        }
                        s.gk[k] = sum;
                    }
                    for (int n = 0; n < c.size(); n++) {
                        double cg = c.value()[n] * s.gk[c.k()[n]];
                        if (gx != null) {
                            gx[xb + c.i()[n] * p.xi()] += cg * y[yb + c.j()[n] * p.yj()];
                        }
                        if (gy != null) {
                            gy[yb + c.j()[n] * p.yj()] += cg * s.x[c.i()[n] * m1 + u];
                        }
                    }
                }
                if (gw != null) {
                    couple(c, s.x, u, m1, y, yb, p.yj(), s.t, p.d3());
                    int gwb = gwr + p.w0() + (u * p.m2() + v) * mo;
                    for (int k = 0; k < p.d3(); k++) {
                        double tk = s.t[k];
                        if (tk == 0) {
                            continue;
                        }
                        int a = k * mo;
                        for (int wo = 0; wo < mo; wo++) {
                            gw[gwb + wo] += tk * s.g[a + wo];
                        }
                    }
                }
            }
        }
    }
}
