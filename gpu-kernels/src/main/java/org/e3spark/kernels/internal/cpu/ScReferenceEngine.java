package org.e3spark.kernels.internal.cpu;

import org.e3spark.kernels.SymmetricContractionProblem;

/**
 * The oracle: MACE's formula with the dense U buffers, one node and channel at a time, single thread.
 * Forward is MACE's Horner form (highest order first: T = U_max W_max . x, then T = (U_nu W_nu + T) . x,
 * each contraction on the last input axis); the derivatives are the literal sums over every multi-index
 * d1..dnu of U[M, d, k] times the derivatives of x_d1..x_dnu. Slow (D^nu per entry): for tests only.
 */
final class ScReferenceEngine implements ScEngine {

    private final SymmetricContractionProblem p;
    private final int c;
    private final int d;
    private final int corr;
    private final double[][][] u; // [output][nu - 1] dense, [M, flat d, k]

    ScReferenceEngine(SymmetricContractionProblem p) {
        this.p = p;
        this.c = p.channels();
        this.d = p.couplingDim();
        this.corr = p.correlation();
        this.u = new double[p.outputs().size()][corr][];
        for (int i = 0; i < u.length; i++) {
            for (int nu = 1; nu <= corr; nu++) {
                u[i][nu - 1] = p.basis(i, nu);
            }
        }
    }

    private int pow(int nu) {
        int r = 1;
        for (int n = 0; n < nu; n++) {
            r *= d;
        }
        return r;
    }

    private double weight(double[] w, int i, int nu, int z, int k, int ch) {
        return w[p.weightOffset(i, nu) + (z * p.numPaths(i, nu) + k) * c + ch];
    }

    @Override
    public void forward(double[] x, int[] species, double[] w, double[] out, int batch) {
        int dimOut = p.outputDim();
        for (int n = 0; n < batch; n++) {
            int z = species[n];
            for (int i = 0; i < u.length; i++) {
                int dimL = p.outputs().get(i).dim();
                int outBase = n * dimOut + p.outputOffset(i);
                for (int ch = 0; ch < c; ch++) {
                    int xb = (n * c + ch) * d;
                    // T = sum_k U_corr[.., k] W_corr[k], then contract the last axis with x
                    double[] t = weighted(w, i, corr, z, ch, dimL, null);
                    t = contractLast(t, x, xb);
                    for (int nu = corr - 1; nu >= 1; nu--) {
                        t = weighted(w, i, nu, z, ch, dimL, t);
                        t = contractLast(t, x, xb);
                    }
                    for (int m = 0; m < dimL; m++) {
                        out[outBase + ch * dimL + m] = t[m];
                    }
                }
            }
        }
    }

    /** sum_k U_nu[a, k] W_nu[z, k, ch] (+ add[a] when given), a over [M, d1..dnu]. */
    private double[] weighted(double[] w, int i, int nu, int z, int ch, int dimL, double[] add) {
        int pk = p.numPaths(i, nu);
        int size = dimL * pow(nu);
        double[] un = u[i][nu - 1];
        double[] t = new double[size];
        for (int a = 0; a < size; a++) {
            double s = add == null ? 0 : add[a];
            for (int k = 0; k < pk; k++) {
                s += un[a * pk + k] * weight(w, i, nu, z, k, ch);
            }
            t[a] = s;
        }
        return t;
    }

    private double[] contractLast(double[] t, double[] x, int xb) {
        double[] r = new double[t.length / d];
        for (int a = 0; a < r.length; a++) {
            double s = 0;
            for (int e = 0; e < d; e++) {
                s += t[a * d + e] * x[xb + e];
            }
            r[a] = s;
        }
        return r;
    }

    @Override
    public void backward(double[] x, int[] species, double[] w, double[] g, double[] gx, double[] gw, int batch) {
        walk(x, species, w, g, null, null, gx, gw, null, batch);
    }

    @Override
    public void doubleBackward(double[] x, int[] species, double[] w, double[] g, double[] dx, double[] dw,
                               double[] ggx, double[] ggw, double[] ggOut, int batch) {
        walk(x, species, w, g, dx, dw, ggx, ggw, ggOut, batch);
    }

    /**
     * Every (node, channel, output, nu, M, multi-index d, k) term U W x_d1..x_dnu, differentiated
     * literally. Without dx: the backward (gx, gw). With dx, dw: the double backward (ggx, ggw, ggOut).
     */
    private void walk(double[] x, int[] species, double[] w, double[] g, double[] dx, double[] dw,
                      double[] gx, double[] gw, double[] ggOut, int batch) {
        boolean second = dx != null;
        int dimOut = p.outputDim();
        int[] digit = new int[corr];
        double[] part = new double[corr];        // prod over j != a of x
        double[][] part2 = new double[corr][corr]; // prod over j not in {a, b} of x
        for (int n = 0; n < batch; n++) {
            int z = species[n];
            for (int ch = 0; ch < c; ch++) {
                int xb = (n * c + ch) * d;
                for (int i = 0; i < u.length; i++) {
                    int dimL = p.outputs().get(i).dim();
                    int gb = n * dimOut + p.outputOffset(i) + ch * dimL;
                    for (int nu = 1; nu <= corr; nu++) {
                        int pk = p.numPaths(i, nu);
                        int dn = pow(nu);
                        double[] un = u[i][nu - 1];
                        int wOff = p.weightOffset(i, nu) + z * pk * c + ch;
                        for (int m = 0; m < dimL; m++) {
                            double gm = g[gb + m];
                            for (int flat = 0; flat < dn; flat++) {
                                int base = (m * dn + flat) * pk;
                                double uw = 0;
                                double udw = 0;
                                boolean any = false;
                                for (int k = 0; k < pk; k++) {
                                    double uv = un[base + k];
                                    if (uv != 0) {
                                        any = true;
                                        uw += uv * w[wOff + k * c];
                                        if (second) {
                                            udw += uv * dw[wOff + k * c];
                                        }
                                    }
                                }
                                if (!any) {
                                    continue;
                                }
                                int f = flat;
                                for (int a = nu - 1; a >= 0; a--) {
                                    digit[a] = f % d;
                                    f /= d;
                                }
                                double prod = 1;
                                for (int a = 0; a < nu; a++) {
                                    prod *= x[xb + digit[a]];
                                    part[a] = 1;
                                    for (int b = 0; b < nu; b++) {
                                        if (b != a) {
                                            part[a] *= x[xb + digit[b]];
                                        }
                                        double q = 1;
                                        for (int e = 0; e < nu; e++) {
                                            if (e != a && e != b) {
                                                q *= x[xb + digit[e]];
                                            }
                                        }
                                        part2[a][b] = q;
                                    }
                                }
                                if (!second) {
                                    for (int k = 0; k < pk; k++) {
                                        gw[wOff + k * c] += gm * un[base + k] * prod;
                                    }
                                    for (int a = 0; a < nu; a++) {
                                        gx[xb + digit[a]] += gm * uw * part[a];
                                    }
                                    continue;
                                }
                                double tangent = 0; // d(prod) along dx
                                for (int a = 0; a < nu; a++) {
                                    tangent += dx[xb + digit[a]] * part[a];
                                }
                                ggOut[gb + m] += uw * tangent + udw * prod;
                                for (int k = 0; k < pk; k++) {
                                    gw[wOff + k * c] += gm * un[base + k] * tangent;
                                }
                                for (int a = 0; a < nu; a++) {
                                    double h = udw * part[a];
                                    for (int b = 0; b < nu; b++) {
                                        if (b != a) {
                                            h += uw * dx[xb + digit[b]] * part2[a][b];
                                        }
                                    }
                                    gx[xb + digit[a]] += gm * h;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
