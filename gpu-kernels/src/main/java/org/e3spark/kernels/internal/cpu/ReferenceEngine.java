package org.e3spark.kernels.internal.cpu;

import org.e3spark.kernels.ConnectionMode;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.internal.math.Wigner3jCache;

/**
 * The plain reference: SPEC §4's sums written out as dense loops over every index, one row at a
 * time, on one thread. Slow on purpose; it is the oracle the fast and GPU backends are tested
 * against, and it is itself tested against e3nn's goldens.
 */
final class ReferenceEngine implements CpuEngine {

    private final Path[] paths;
    private final double[][] cg; // dense wigner_3j(l1, l2, lo) per path
    private final int dim1;
    private final int dim2;
    private final int dimOut;
    private final int weightNumel;
    private final boolean shared;

    ReferenceEngine(TPProblem p) {
        this.paths = Path.of(p);
        this.cg = new double[paths.length][];
        for (int k = 0; k < paths.length; k++) {
            cg[k] = Wigner3jCache.get(paths[k].l1(), paths[k].l2(), paths[k].lo());
        }
        this.dim1 = p.in1().dim();
        this.dim2 = p.in2().dim();
        this.dimOut = p.out().dim();
        this.weightNumel = p.weightNumel();
        this.shared = p.sharedWeights();
    }

    /** W[u,v] (uvu) or W[u,v,w] (uvw) of a path for one row; 1 for weightless paths. */
    private double weight(Path p, double[] w, int wRow, int u, int v, int wo) {
        if (!p.hasWeight()) {
            return 1.0;
        }
        int index = (p.mode() == ConnectionMode.UVU) ? u * p.m2() + v : (u * p.m2() + v) * p.mo() + wo;
        return w[wRow + p.w0() + index];
    }

    @Override
    public void forward(double[] x, double[] y, double[] w, double[] out, int batch, boolean weightsAreTangent) {
        for (int z = 0; z < batch; z++) {
            int xr = z * dim1;
            int yr = z * dim2;
            int or = z * dimOut;
            int wr = shared ? 0 : z * weightNumel;
            for (int k = 0; k < paths.length; k++) {
                Path p = paths[k];
                if (weightsAreTangent && !p.hasWeight()) {
                    continue;
                }
                double[] c = cg[k];
                for (int wo = 0; wo < p.mo(); wo++) {
                    for (int kk = 0; kk < p.d3(); kk++) {
                        double sum = 0;
                        for (int u = 0; u < p.m1(); u++) {
                            if (p.mode() == ConnectionMode.UVU && u != wo) {
                                continue; // uvu: output channel u reads input-1 channel u only
                            }
                            for (int v = 0; v < p.m2(); v++) {
                                double wt = weight(p, w, wr, u, v, wo);
                                for (int i = 0; i < p.d1(); i++) {
                                    for (int j = 0; j < p.d2(); j++) {
                                        sum += wt * c[(i * p.d2() + j) * p.d3() + kk]
                                                * x[xr + p.x0() + u * p.xu() + i * p.xi()]
                                                * y[yr + p.y0() + v * p.yv() + j * p.yj()];
                                    }
                                }
                            }
                        }
                        out[or + p.o0() + wo * p.ow() + kk * p.ok()] += p.coefficient() * sum;
                    }
                }
            }
        }
    }

    @Override
    public void backward(double[] x, double[] y, double[] w, double[] g,
                         double[] gx, double[] gy, double[] gw, int batch, boolean weightsAreTangent) {
        for (int z = 0; z < batch; z++) {
            int xr = z * dim1;
            int yr = z * dim2;
            int or = z * dimOut;
            int wr = shared ? 0 : z * weightNumel;
            for (int k = 0; k < paths.length; k++) {
                Path p = paths[k];
                if (weightsAreTangent && !p.hasWeight()) {
                    continue;
                }
                double[] c = cg[k];
                double coef = p.coefficient();
                // Every term of the forward sum, differentiated by each of its factors in turn.
                for (int wo = 0; wo < p.mo(); wo++) {
                    for (int u = 0; u < p.m1(); u++) {
                        if (p.mode() == ConnectionMode.UVU && u != wo) {
                            continue;
                        }
                        for (int v = 0; v < p.m2(); v++) {
                            double wt = weight(p, w, wr, u, v, wo);
                            for (int i = 0; i < p.d1(); i++) {
                                int xIdx = xr + p.x0() + u * p.xu() + i * p.xi();
                                for (int j = 0; j < p.d2(); j++) {
                                    int yIdx = yr + p.y0() + v * p.yv() + j * p.yj();
                                    for (int kk = 0; kk < p.d3(); kk++) {
                                        double cijk = c[(i * p.d2() + j) * p.d3() + kk];
                                        if (cijk == 0) {
                                            continue;
                                        }
                                        double gk = coef * cijk * g[or + p.o0() + wo * p.ow() + kk * p.ok()];
                                        if (gx != null) {
                                            gx[xIdx] += wt * y[yIdx] * gk;
                                        }
                                        if (gy != null) {
                                            gy[yIdx] += wt * x[xIdx] * gk;
                                        }
                                        if (gw != null && p.hasWeight()) {
                                            int index = (p.mode() == ConnectionMode.UVU) ? u * p.m2() + v
                                                    : (u * p.m2() + v) * p.mo() + wo;
                                            gw[wr + p.w0() + index] += x[xIdx] * y[yIdx] * gk;
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
