package org.e3spark.kernels.internal.cpu;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.e3spark.kernels.SymmetricContractionProblem;
import org.e3spark.kernels.internal.math.SymmetricPolynomial;

/**
 * The fast exact CPU engine: the problem's {@link SymmetricPolynomial} evaluated per node and channel.
 *
 * <p>Per call, the weights are folded into the table once per (element, channel):
 * {@code V[z, c, q] = sum over terms of pair q of W_nu[z, k, c] * coefficient}, a pair q being a distinct
 * (M, monomial). A node-channel then costs one multiplication per monomial (each is its parent times one
 * x) and one FMA per pair: {@code out[M] += V[z, c, q] * monomial_q}. Backward runs reverse mode over the
 * same monomial tree (x gradient) and accumulates {@code G[z, c, q] += g[M] * monomial_q}, unfolded into
 * the weight gradient at the end; double backward adds forward-mode tangents of the monomials along dx.
 *
 * <p>Work is split into tasks (channel, node segment); the split depends only on the sizes, never on
 * the number of cores, and partial weight gradients are summed in segment order, so every result is
 * bit-identical on any machine.
 */
final class ScPolynomialEngine implements ScEngine {

    /** Aim for this many tasks when there are few channels (fixed: results must not depend on cores). */
    private static final int TARGET_TASKS = 32;
    private static final int MIN_SEGMENT_ROWS = 256;

    private final int c;
    private final int d;
    private final int elements;
    private final int dimOut;
    private final int nMono;
    private final int[] parent;
    private final int[] last;
    private final int nPairs;          // all outputs' pairs, concatenated
    private final int[] pairMonomial;  // [nPairs]
    private final int[] pairOutStart;  // [nPairs] where the pair's component M of channel 0 sits in an output row
    private final int[] pairOutStride; // [nPairs] 2L+1 of the pair's output: the step from channel to channel
    private final int[] pairBase;      // [outputs + 1]
    private final int nTerms;
    private final int[] termPair;      // global pair index
    private final int[] termW0;        // weightOffset(i, nu) + k * C
    private final int[] termZStride;   // P_nu * C
    private final double[] termCoef;

    ScPolynomialEngine(SymmetricContractionProblem p) {
        SymmetricPolynomial poly = p.polynomial();
        this.c = p.channels();
        this.d = p.couplingDim();
        this.elements = p.elements();
        this.dimOut = p.outputDim();
        this.nMono = poly.monomialCount();
        this.parent = new int[nMono];
        this.last = new int[nMono];
        for (int t = 0; t < nMono; t++) {
            parent[t] = poly.monomialParent(t);
            last[t] = poly.monomialLast(t);
        }
        int outs = poly.outputCount();
        this.pairBase = new int[outs + 1];
        int terms = 0;
        for (int i = 0; i < outs; i++) {
            pairBase[i + 1] = pairBase[i] + poly.pairCount(i);
            terms += poly.termCount(i);
        }
        this.nPairs = pairBase[outs];
        this.pairMonomial = new int[nPairs];
        this.pairOutStart = new int[nPairs];
        this.pairOutStride = new int[nPairs];
        this.nTerms = terms;
        this.termPair = new int[terms];
        this.termW0 = new int[terms];
        this.termZStride = new int[terms];
        this.termCoef = new double[terms];
        int e = 0;
        for (int i = 0; i < outs; i++) {
            for (int q = 0; q < poly.pairCount(i); q++) {
                pairMonomial[pairBase[i] + q] = poly.pairMonomial(i, q);
                pairOutStart[pairBase[i] + q] = p.outputOffset(i) + poly.pairComponent(i, q);
                pairOutStride[pairBase[i] + q] = p.outputs().get(i).dim();
            }
            for (int t = 0; t < poly.termCount(i); t++, e++) {
                int nu = poly.termOrder(i, t);
                termPair[e] = pairBase[i] + poly.termPair(i, t);
                termW0[e] = p.weightOffset(i, nu) + poly.termPath(i, t) * c;
                termZStride[e] = p.numPaths(i, nu) * c;
                termCoef[e] = poly.termCoefficient(i, t);
            }
        }
    }

    /** For each pair, where it adds to in an output row for channel ch. */
    private int[] outIndex(int ch) {
        int[] idx = new int[nPairs];
        for (int q = 0; q < nPairs; q++) {
            idx[q] = pairOutStart[q] + ch * pairOutStride[q];
        }
        return idx;
    }

    // ---- weights folded into the table, and unfolded from pair sums ----

    /** V[(z C + ch) nPairs + q] = sum over terms of q of W[z, k, ch] * coefficient. */
    private double[] fold(double[] w) {
        double[] v = new double[elements * c * nPairs];
        IntStream.range(0, elements * c).parallel().forEach(zc -> {
            int z = zc / c;
            int ch = zc % c;
            int base = zc * nPairs;
            for (int e = 0; e < nTerms; e++) {
                v[base + termPair[e]] += w[termW0[e] + z * termZStride[e] + ch] * termCoef[e];
            }
        });
        return v;
    }

    /** gw[W index of term] += coefficient * G[(z C + ch) nPairs + pair]; each (z, ch) writes its own entries. */
    private void unfold(double[] pairSums, double[] gw) {
        IntStream.range(0, elements * c).parallel().forEach(zc -> {
            int z = zc / c;
            int ch = zc % c;
            int base = zc * nPairs;
            for (int e = 0; e < nTerms; e++) {
                gw[termW0[e] + z * termZStride[e] + ch] += termCoef[e] * pairSums[base + termPair[e]];
            }
        });
    }

    // ---- task split ----

    private int segments(int batch) {
        if (batch == 0) {
            return 0;
        }
        int wanted = Math.max(1, TARGET_TASKS / c);
        int bySize = Math.max(1, batch / MIN_SEGMENT_ROWS);
        return Math.min(wanted, bySize);
    }

    private interface Task {
        void run(int ch, int from, int to, int segment);
    }

    private void forEachTask(int batch, Task task) {
        int s = segments(batch);
        if (s == 0) {
            return;
        }
        IntStream.range(0, c * s).parallel().forEach(id -> {
            int ch = id / s;
            int seg = id % s;
            int from = (int) ((long) batch * seg / s);
            int to = (int) ((long) batch * (seg + 1) / s);
            task.run(ch, from, to, seg);
        });
    }

    private void monomials(double[] x, int xb, double[] mono) {
        mono[0] = 1;
        for (int t = 1; t < nMono; t++) {
            mono[t] = mono[parent[t]] * x[xb + last[t]];
        }
    }

    @Override
    public void forward(double[] x, int[] species, double[] w, double[] out, int batch) {
        double[] v = fold(w);
        forEachTask(batch, (ch, from, to, seg) -> {
            int[] oi = outIndex(ch);
            double[] mono = new double[nMono];
            for (int n = from; n < to; n++) {
                monomials(x, (n * c + ch) * d, mono);
                int vb = (species[n] * c + ch) * nPairs;
                int ob = n * dimOut;
                for (int q = 0; q < nPairs; q++) {
                    out[ob + oi[q]] += v[vb + q] * mono[pairMonomial[q]];
                }
            }
        });
    }

    @Override
    public void backward(double[] x, int[] species, double[] w, double[] g, double[] gx, double[] gw, int batch) {
        double[] v = fold(w);
        int s = segments(batch);
        double[][] partial = new double[c * s][];
        forEachTask(batch, (ch, from, to, seg) -> {
            int[] oi = outIndex(ch);
            double[] mono = new double[nMono];
            double[] adj = new double[nMono];
            double[] sums = new double[elements * nPairs]; // G[z, q] of this channel and segment
            for (int n = from; n < to; n++) {
                int xb = (n * c + ch) * d;
                monomials(x, xb, mono);
                int z = species[n];
                int vb = (z * c + ch) * nPairs;
                int ob = n * dimOut;
                Arrays.fill(adj, 0);
                for (int q = 0; q < nPairs; q++) {
                    double gm = g[ob + oi[q]];
                    int t = pairMonomial[q];
                    adj[t] += gm * v[vb + q];
                    sums[z * nPairs + q] += gm * mono[t];
                }
                for (int t = nMono - 1; t >= 1; t--) {
                    double a = adj[t];
                    if (a != 0) {
                        int l = last[t];
                        adj[parent[t]] += a * x[xb + l];
                        gx[xb + l] += a * mono[parent[t]];
                    }
                }
            }
            partial[ch * s + seg] = sums;
        });
        unfold(reduce(partial, s), gw);
    }

    @Override
    public void doubleBackward(double[] x, int[] species, double[] w, double[] g, double[] dx, double[] dw,
                               double[] ggx, double[] ggw, double[] ggOut, int batch) {
        double[] v = fold(w);
        double[] vd = fold(dw);
        int s = segments(batch);
        double[][] partial = new double[c * s][];
        forEachTask(batch, (ch, from, to, seg) -> {
            int[] oi = outIndex(ch);
            double[] mono = new double[nMono];
            double[] dot = new double[nMono];
            double[] adj = new double[nMono];
            double[] adjDot = new double[nMono];
            double[] sums = new double[elements * nPairs];
            for (int n = from; n < to; n++) {
                int xb = (n * c + ch) * d;
                mono[0] = 1;
                dot[0] = 0;
                for (int t = 1; t < nMono; t++) {
                    int pt = parent[t];
                    int l = xb + last[t];
                    mono[t] = mono[pt] * x[l];
                    dot[t] = dot[pt] * x[l] + mono[pt] * dx[l];
                }
                int z = species[n];
                int vb = (z * c + ch) * nPairs;
                int ob = n * dimOut;
                Arrays.fill(adj, 0);
                Arrays.fill(adjDot, 0);
                for (int q = 0; q < nPairs; q++) {
                    int o = ob + oi[q];
                    int t = pairMonomial[q];
                    ggOut[o] += v[vb + q] * dot[t] + vd[vb + q] * mono[t];
                    double gm = g[o];
                    adjDot[t] += gm * v[vb + q];
                    adj[t] += gm * vd[vb + q];
                    sums[z * nPairs + q] += gm * dot[t];
                }
                for (int t = nMono - 1; t >= 1; t--) {
                    double aD = adjDot[t];
                    double a = adj[t];
                    int pt = parent[t];
                    int l = xb + last[t];
                    adjDot[pt] += aD * x[l];
                    adj[pt] += aD * dx[l] + a * x[l];
                    ggx[l] += aD * dot[pt] + a * mono[pt];
                }
            }
            partial[ch * s + seg] = sums;
        });
        unfold(reduce(partial, s), ggw);
    }

    /** G[(z C + ch) nPairs + q]: the segments' partial sums added in segment order. */
    private double[] reduce(double[][] partial, int s) {
        double[] total = new double[elements * c * nPairs];
        for (int ch = 0; ch < c; ch++) {
            for (int seg = 0; seg < s; seg++) {
                double[] part = partial[ch * s + seg];
                for (int z = 0; z < elements; z++) {
                    int dst = (z * c + ch) * nPairs;
                    int src = z * nPairs;
                    for (int q = 0; q < nPairs; q++) {
                        total[dst + q] += part[src + q];
                    }
                }
            }
        }
        return total;
    }
}
