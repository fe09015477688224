package org.e3spark.kernels.internal.cpu;

import org.e3spark.kernels.ConnectionMode;
import org.e3spark.kernels.TPProblem;

/**
 * The tensor product of ONE row (or one edge), on the sparse CG nonzeros: the unit of work both
 * the batched engine and the graph convolution are built from. Operands are addressed by the start
 * of their row in flat arrays, so the caller decides which x row, y row, weight row and output row
 * meet (for a convolution: the sender's features, the edge's attributes and weights, and the
 * receiver's output). Gradient rows sit at the same offsets as their operands' rows.
 */
final class SparseRowKernel {

    private final Path[] paths;
    private final SparseCg[] cg;
    private final int scratchSize;

    SparseRowKernel(TPProblem p) {
        this.paths = Path.of(p);
        this.cg = new SparseCg[paths.length];
        int scratch = 1;
        for (int k = 0; k < paths.length; k++) {
            Path path = paths[k];
            cg[k] = SparseCg.of(path.l1(), path.l2(), path.lo(), path.coefficient());
            scratch = Math.max(scratch, Math.max(path.d2(), path.d3()));
        }
        this.scratchSize = scratch;
    }

    /** Per-thread scratch; allocate one per task, never per row. */
    final class Scratch {
        final double[] a = new double[scratchSize];
        final double[] b = new double[scratchSize];
    }

    Scratch scratch() {
        return new Scratch();
    }

    /** out[or..] += TP(x[xr..], y[yr..], w[wr..]); weight-tangent passes skip weightless paths. */
    void forward(double[] x, int xr, double[] y, int yr, double[] w, int wr, double[] out, int or,
                 boolean weightsAreTangent, Scratch s) {
        for (int k = 0; k < paths.length; k++) {
            Path p = paths[k];
            if (p.empty() || (weightsAreTangent && !p.hasWeight())) {
                continue;
            }
            if (p.mode() == ConnectionMode.UVU) {
                forwardUvu(p, cg[k], x, xr, y, yr, w, wr, out, or, s.a);
            } else {
                forwardUvw(p, cg[k], x, xr, y, yr, w, wr, out, or, s.a);
            }
        }
    }

    /**
     * Accumulates the gradients of sum(out * g) for one row: gx at xr, gy at yr, gw at gwr (any of
     * the three arrays may be null when not wanted).
     */
    void backward(double[] x, int xr, double[] y, int yr, double[] w, int wr, double[] g, int gr,
                  double[] gx, double[] gy, double[] gw, int gwr, boolean weightsAreTangent, Scratch s) {
        for (int k = 0; k < paths.length; k++) {
            Path p = paths[k];
            if (p.empty() || (weightsAreTangent && !p.hasWeight())) {
                continue;
            }
            if (p.mode() == ConnectionMode.UVU) {
                backwardUvu(p, cg[k], x, xr, y, yr, w, wr, g, gr, gx, gy, gw, gwr, s.a, s.b);
            } else {
                backwardUvw(p, cg[k], x, xr, y, yr, w, wr, g, gr, gx, gy, gw, gwr, s.a, s.b);
            }
        }
    }

    /** uvu: ytilde[j] = sum_v W[u,v] y[v,j], then out[u,k] += sum_nnz C x[u,i] ytilde[j]. */
    private static void forwardUvu(Path p, SparseCg c, double[] x, int xr, double[] y, int yr,
                                   double[] w, int wr, double[] out, int or, double[] ytilde) {
        for (int u = 0; u < p.m1(); u++) {
            mixInput2(p, y, yr, w, wr, u, ytilde);
            int xb = xr + p.x0() + u * p.xu();
            int ob = or + p.o0() + u * p.ow();
            for (int t = 0; t < c.size(); t++) {
                out[ob + c.k()[t] * p.ok()] += c.value()[t] * x[xb + c.i()[t] * p.xi()] * ytilde[c.j()[t]];
            }
        }
    }

    /** ytilde[j] = sum_v W[u,v] y[v,j] (W = 1 for weightless paths). */
    private static void mixInput2(Path p, double[] y, int yr, double[] w, int wr, int u, double[] ytilde) {
        for (int j = 0; j < p.d2(); j++) {
            ytilde[j] = 0;
        }
        for (int v = 0; v < p.m2(); v++) {
            double wt = p.hasWeight() ? w[wr + p.w0() + u * p.m2() + v] : 1.0;
            int yb = yr + p.y0() + v * p.yv();
            for (int j = 0; j < p.d2(); j++) {
                ytilde[j] += wt * y[yb + j * p.yj()];
            }
        }
    }

    /** uvw: t[k] = sum_nnz C x[u,i] y[v,j] per (u, v), then out[w,k] += W[u,v,w] t[k]. */
    private static void forwardUvw(Path p, SparseCg c, double[] x, int xr, double[] y, int yr,
                                   double[] w, int wr, double[] out, int or, double[] t) {
        for (int u = 0; u < p.m1(); u++) {
            int xb = xr + p.x0() + u * p.xu();
            for (int v = 0; v < p.m2(); v++) {
                int yb = yr + p.y0() + v * p.yv();
                couple(c, x, xb, p.xi(), y, yb, p.yj(), t, p.d3());
                int wb = wr + p.w0() + (u * p.m2() + v) * p.mo();
                for (int wo = 0; wo < p.mo(); wo++) {
                    double wt = w[wb + wo];
                    int ob = or + p.o0() + wo * p.ow();
                    for (int k = 0; k < p.d3(); k++) {
                        out[ob + k * p.ok()] += wt * t[k];
                    }
                }
            }
        }
    }

    /** t[k] = sum over nonzeros of C x[i] y[j]. */
    private static void couple(SparseCg c, double[] x, int xb, int xi, double[] y, int yb, int yj, double[] t, int d3) {
        for (int k = 0; k < d3; k++) {
            t[k] = 0;
        }
        for (int n = 0; n < c.size(); n++) {
            t[c.k()[n]] += c.value()[n] * x[xb + c.i()[n] * xi] * y[yb + c.j()[n] * yj];
        }
    }

    private static void backwardUvu(Path p, SparseCg c, double[] x, int xr, double[] y, int yr,
                                    double[] w, int wr, double[] g, int gr,
                                    double[] gx, double[] gy, double[] gw, int gwr, double[] ytilde, double[] gytilde) {
        boolean wantMix = gy != null || (gw != null && p.hasWeight());
        for (int u = 0; u < p.m1(); u++) {
            mixInput2(p, y, yr, w, wr, u, ytilde);
            for (int j = 0; j < p.d2(); j++) {
                gytilde[j] = 0;
            }
            int xb = xr + p.x0() + u * p.xu();
            int gb = gr + p.o0() + u * p.ow();
            for (int t = 0; t < c.size(); t++) {
                double cg = c.value()[t] * g[gb + c.k()[t] * p.ok()];
                if (gx != null) {
                    gx[xb + c.i()[t] * p.xi()] += cg * ytilde[c.j()[t]];
                }
                gytilde[c.j()[t]] += cg * x[xb + c.i()[t] * p.xi()];
            }
            if (!wantMix) {
                continue;
            }
            // ytilde = sum_v W[u,v] y[v]: spread its gradient back to y and to W.
            for (int v = 0; v < p.m2(); v++) {
                int yb = yr + p.y0() + v * p.yv();
                double wt = p.hasWeight() ? w[wr + p.w0() + u * p.m2() + v] : 1.0;
                double dw = 0;
                for (int j = 0; j < p.d2(); j++) {
                    if (gy != null) {
                        gy[yb + j * p.yj()] += wt * gytilde[j];
                    }
                    dw += y[yb + j * p.yj()] * gytilde[j];
                }
                if (gw != null && p.hasWeight()) {
                    gw[gwr + p.w0() + u * p.m2() + v] += dw;
                }
            }
        }
    }

    private static void backwardUvw(Path p, SparseCg c, double[] x, int xr, double[] y, int yr,
                                    double[] w, int wr, double[] g, int gr,
                                    double[] gx, double[] gy, double[] gw, int gwr,
                                    double[] t, double[] gMixed) {
        for (int u = 0; u < p.m1(); u++) {
            int xb = xr + p.x0() + u * p.xu();
            for (int v = 0; v < p.m2(); v++) {
                int yb = yr + p.y0() + v * p.yv();
                int wb = wr + p.w0() + (u * p.m2() + v) * p.mo();
                if (gx != null || gy != null) {
                    // G[k] = sum_w W[u,v,w] g[w,k]
                    for (int k = 0; k < p.d3(); k++) {
                        gMixed[k] = 0;
                    }
                    for (int wo = 0; wo < p.mo(); wo++) {
                        double wt = w[wb + wo];
                        int gb = gr + p.o0() + wo * p.ow();
                        for (int k = 0; k < p.d3(); k++) {
                            gMixed[k] += wt * g[gb + k * p.ok()];
                        }
                    }
                    for (int n = 0; n < c.size(); n++) {
                        double cg = c.value()[n] * gMixed[c.k()[n]];
                        int xIdx = xb + c.i()[n] * p.xi();
                        int yIdx = yb + c.j()[n] * p.yj();
                        if (gx != null) {
                            gx[xIdx] += cg * y[yIdx];
                        }
                        if (gy != null) {
                            gy[yIdx] += cg * x[xIdx];
                        }
                    }
                }
                if (gw != null) {
                    couple(c, x, xb, p.xi(), y, yb, p.yj(), t, p.d3());
                    for (int wo = 0; wo < p.mo(); wo++) {
                        int gb = gr + p.o0() + wo * p.ow();
                        double dw = 0;
                        for (int k = 0; k < p.d3(); k++) {
                            dw += t[k] * g[gb + k * p.ok()];
                        }
                        gw[gwr + p.w0() + (u * p.m2() + v) * p.mo() + wo] += dw;
                    }
                }
            }
        }
    }
}
