package org.e3spark.kernels.internal.cpu;

import java.util.stream.IntStream;
import org.e3spark.kernels.ConnectionMode;
import org.e3spark.kernels.TPProblem;

/**
 * The fast exact CPU engine. Per path, only the nonzeros of the coupling tensor are visited (with
 * the path coefficient folded in), the weight contraction is hoisted out of the CG loop, and rows
 * are split into fixed-size chunks processed in parallel on the common fork-join pool.
 *
 * <p>Chunks are fixed-size and shared-weight gradients are reduced chunk by chunk in chunk order,
 * so results are bit-identical whatever the number of cores. Scratch is allocated per chunk,
 * never per row.
 */
final class SparseEngine implements CpuEngine {

    /** Rows per parallel task: large enough to amortize scheduling, small enough to balance load. */
    static final int CHUNK_ROWS = 64;

    private final Path[] paths;
    private final SparseCg[] cg;
    private final int dim1;
    private final int dim2;
    private final int dimOut;
    private final int weightNumel;
    private final boolean shared;
    private final int scratchSize;

    SparseEngine(TPProblem p) {
        this.paths = Path.of(p);
        this.cg = new SparseCg[paths.length];
        int scratch = 1;
        for (int k = 0; k < paths.length; k++) {
            Path path = paths[k];
            cg[k] = SparseCg.of(path.l1(), path.l2(), path.lo(), path.coefficient());
            scratch = Math.max(scratch, Math.max(path.d2(), path.d3()));
        }
        this.scratchSize = scratch;
        this.dim1 = p.in1().dim();
        this.dim2 = p.in2().dim();
        this.dimOut = p.out().dim();
        this.weightNumel = p.weightNumel();
        this.shared = p.sharedWeights();
    }

    private int chunks(int batch) {
        return (batch + CHUNK_ROWS - 1) / CHUNK_ROWS;
    }

    private IntStream chunkStream(int batch) {
        IntStream s = IntStream.range(0, chunks(batch));
        return chunks(batch) > 1 ? s.parallel() : s;
    }

    @Override
    public void forward(double[] x, double[] y, double[] w, double[] out, int batch, boolean weightsAreTangent) {
        chunkStream(batch).forEach(chunk -> {
            double[] s1 = new double[scratchSize];
            int end = Math.min(batch, (chunk + 1) * CHUNK_ROWS);
            for (int z = chunk * CHUNK_ROWS; z < end; z++) {
                int wr = shared ? 0 : z * weightNumel;
                for (int k = 0; k < paths.length; k++) {
                    Path p = paths[k];
                    if (p.empty() || (weightsAreTangent && !p.hasWeight())) {
                        continue;
                    }
                    if (p.mode() == ConnectionMode.UVU) {
                        forwardUvu(p, cg[k], x, z * dim1, y, z * dim2, w, wr, out, z * dimOut, s1);
                    } else {
                        forwardUvw(p, cg[k], x, z * dim1, y, z * dim2, w, wr, out, z * dimOut, s1);
                    }
                }
            }
        });
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

    @Override
    public void backward(double[] x, double[] y, double[] w, double[] g,
                         double[] gx, double[] gy, double[] gw, int batch, boolean weightsAreTangent) {
        int nChunks = chunks(batch);
        // Shared weights: each chunk sums its own gradient, then chunks are added in order (deterministic).
        double[][] partial = (gw != null && shared && weightNumel > 0) ? new double[nChunks][] : null;
        chunkStream(batch).forEach(chunk -> {
            double[] s1 = new double[scratchSize];
            double[] s2 = new double[scratchSize];
            double[] gwChunk = gw;
            if (partial != null) {
                gwChunk = new double[weightNumel];
                partial[chunk] = gwChunk;
            }
            int end = Math.min(batch, (chunk + 1) * CHUNK_ROWS);
            for (int z = chunk * CHUNK_ROWS; z < end; z++) {
                int wr = shared ? 0 : z * weightNumel;
                for (int k = 0; k < paths.length; k++) {
                    Path p = paths[k];
                    if (p.empty() || (weightsAreTangent && !p.hasWeight())) {
                        continue;
                    }
                    if (p.mode() == ConnectionMode.UVU) {
                        backwardUvu(p, cg[k], x, z * dim1, y, z * dim2, w, wr, g, z * dimOut,
                                gx, gy, gwChunk, s1, s2);
                    } else {
                        backwardUvw(p, cg[k], x, z * dim1, y, z * dim2, w, wr, g, z * dimOut,
                                gx, gy, gwChunk, s1, s2);
                    }
                }
            }
        });
        if (partial != null) {
            for (double[] part : partial) {
                for (int n = 0; n < weightNumel; n++) {
                    gw[n] += part[n];
                }
            }
        }
    }

    private static void backwardUvu(Path p, SparseCg c, double[] x, int xr, double[] y, int yr,
                                    double[] w, int wr, double[] g, int gr,
                                    double[] gx, double[] gy, double[] gw, double[] ytilde, double[] gytilde) {
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
                    gw[wr + p.w0() + u * p.m2() + v] += dw;
                }
            }
        }
    }

    private static void backwardUvw(Path p, SparseCg c, double[] x, int xr, double[] y, int yr,
                                    double[] w, int wr, double[] g, int gr,
                                    double[] gx, double[] gy, double[] gw,
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
                        gw[wb + wo] += dw;
                    }
                }
            }
        }
    }
}
