package org.e3spark.kernels.internal.cpu;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.e3spark.kernels.SymmetricContractionProblem;
import org.e3spark.kernels.internal.math.SymmetricPolynomial;

/**
 * The fast exact CPU engine: the problem's {@link SymmetricPolynomial} evaluated per node, with the
 * channels of a block of up to {@link #LANES} as contiguous lanes (the inner loops run over channels,
 * which the JIT vectorizes).
 *
 * <p>Per call the weights are folded into the table once per element: {@code V[z, q, c] = sum over the
 * terms of pair q of W_nu[z, k, c] * coefficient}, a pair q being a distinct (M, monomial). A node then
 * costs, per channel, one multiplication per monomial (each is its parent times one x) and one FMA per
 * pair: {@code out[c, M] = sum over the pairs of M of V[z, q, c] * monomial_q}. Backward runs reverse
 * mode over the same monomial tree (x gradient) and accumulates {@code G[z, q, c] += g[c, M] * monomial_q},
 * unfolded into the weight gradient at the end; double backward adds forward-mode tangents along dx.
 *
 * <p>Rows are split into segments whose number depends only on the sizes, never on the cores, and the
 * segments' partial weight gradients are added in segment order: results are bit-identical anywhere.
 */
final class ScPolynomialEngine implements ScEngine {

    /** Channels per block: the width of the inner loops. */
    static final int LANES = 16;
    /** Rows per task, at least. */
    private static final int SEGMENT_ROWS = 64;
    /** Forward needs no partial sums; this many segments keep any pool busy without churning scratch. */
    private static final int MAX_FORWARD_SEGMENTS = 64;
    /** At most this many segments carry partial weight gradients (each elements x pairs x channels). */
    private static final int MAX_GRADIENT_SEGMENTS = 16;
    /** ... and together at most this many doubles. */
    private static final long MAX_PARTIAL_DOUBLES = 1L << 24;

    private final int c;
    private final int d;
    private final int elements;
    private final int dimOut;
    private final int nMono;
    private final int[] parent;
    private final int[] last;
    private final int nPairs;
    private final int[] pairMonomial;
    /** Runs of pairs with one output component: run r covers pairs runStart[r] .. runStart[r + 1] - 1. */
    private final int[] runStart;
    private final int[] runOut;    // where channel 0 of the run's component sits in an output row
    private final int[] runStride; // 2L+1 of the run's output: the step from channel to channel
    private final int nTerms;
    private final int[] termPair;
    private final int[] termW0;      // weightOffset(i, nu) + k * C
    private final int[] termZStride; // P_nu * C
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
        int pairs = 0;
        int terms = 0;
        int runs = 0;
        for (int i = 0; i < outs; i++) {
            pairs += poly.pairCount(i);
            terms += poly.termCount(i);
            for (int q = 0; q < poly.pairCount(i); q++) {
                if (q == 0 || poly.pairComponent(i, q) != poly.pairComponent(i, q - 1)) {
                    runs++;
                }
            }
        }
        this.nPairs = pairs;
        this.nTerms = terms;
        this.pairMonomial = new int[pairs];
        this.runStart = new int[runs + 1];
        this.runOut = new int[runs];
        this.runStride = new int[runs];
        this.termPair = new int[terms];
        this.termW0 = new int[terms];
        this.termZStride = new int[terms];
        this.termCoef = new double[terms];
        int base = 0;
        int r = 0;
        int e = 0;
        for (int i = 0; i < outs; i++) {
            for (int q = 0; q < poly.pairCount(i); q++) {
                pairMonomial[base + q] = poly.pairMonomial(i, q);
                if (q == 0 || poly.pairComponent(i, q) != poly.pairComponent(i, q - 1)) {
                    runStart[r] = base + q;
                    runOut[r] = p.outputOffset(i) + poly.pairComponent(i, q);
                    runStride[r] = p.outputs().get(i).dim();
                    r++;
                }
            }
            for (int t = 0; t < poly.termCount(i); t++, e++) {
                int nu = poly.termOrder(i, t);
                termPair[e] = base + poly.termPair(i, t);
                termW0[e] = p.weightOffset(i, nu) + poly.termPath(i, t) * c;
                termZStride[e] = p.numPaths(i, nu) * c;
                termCoef[e] = poly.termCoefficient(i, t);
            }
            base += poly.pairCount(i);
        }
        runStart[runs] = pairs;
    }

    // ---- weights folded into the table, and pair sums unfolded into weight gradients ----

    /** V[(z nPairs + q) C + ch] = sum over the terms of q of W[z, k, ch] * coefficient. */
    private double[] fold(double[] w) {
        double[] v = new double[elements * nPairs * c];
        IntStream.range(0, elements).parallel().forEach(z -> {
            for (int e = 0; e < nTerms; e++) {
                int dst = (z * nPairs + termPair[e]) * c;
                int src = termW0[e] + z * termZStride[e];
                double coef = termCoef[e];
                for (int ch = 0; ch < c; ch++) {
                    v[dst + ch] += w[src + ch] * coef;
                }
            }
        });
        return v;
    }

    /** gw[W index of each term] += coefficient * G[(z nPairs + pair) C + ch]; each element writes its own rows. */
    private void unfold(double[] sums, double[] gw) {
        IntStream.range(0, elements).parallel().forEach(z -> {
            for (int e = 0; e < nTerms; e++) {
                int src = (z * nPairs + termPair[e]) * c;
                int dst = termW0[e] + z * termZStride[e];
                double coef = termCoef[e];
                for (int ch = 0; ch < c; ch++) {
                    gw[dst + ch] += coef * sums[src + ch];
                }
            }
        });
    }

    // ---- task split ----

    private static int segments(int batch, int cap) {
        if (batch == 0) {
            return 0;
        }
        return Math.max(1, Math.min(cap, (batch + SEGMENT_ROWS - 1) / SEGMENT_ROWS));
    }

    private int gradientSegments(int batch) {
        long perSegment = Math.max(1L, (long) elements * nPairs * c);
        int byMemory = (int) Math.max(1, Math.min(MAX_GRADIENT_SEGMENTS, MAX_PARTIAL_DOUBLES / perSegment));
        return segments(batch, byMemory);
    }

    private interface RowTask {
        void run(int from, int to, int segment);
    }

    private static void forEachSegment(int batch, int s, RowTask task) {
        IntStream range = IntStream.range(0, s);
        (s > 1 ? range.parallel() : range).forEach(seg -> task.run(
                (int) ((long) batch * seg / s), (int) ((long) batch * (seg + 1) / s), seg));
    }

    /** A segment's scratch, for one block of channels: arrays [index * LANES + lane]. */
    private final class Scratch {
        final double[] x = new double[d * LANES];
        final double[] dx = new double[d * LANES];
        final double[] gx = new double[d * LANES];
        final double[] mono = new double[nMono * LANES];
        final double[] dot = new double[nMono * LANES];
        final double[] adj = new double[nMono * LANES];
        final double[] adjDot = new double[nMono * LANES];
        final double[] acc = new double[LANES];
        final double[] acc2 = new double[LANES];

        /** x[d * LANES + g] = src[(n C + c0 + g) D + d]. */
        void load(double[] into, double[] src, int n, int c0, int lanes) {
            for (int g = 0; g < lanes; g++) {
                int b = (n * c + c0 + g) * d;
                for (int k = 0; k < d; k++) {
                    into[k * LANES + g] = src[b + k];
                }
            }
        }

        void store(double[] from, double[] dst, int n, int c0, int lanes) {
            for (int g = 0; g < lanes; g++) {
                int b = (n * c + c0 + g) * d;
                for (int k = 0; k < d; k++) {
                    dst[b + k] += from[k * LANES + g];
                }
            }
        }

        void monomials(int lanes) {
            for (int g = 0; g < lanes; g++) {
                mono[g] = 1;
            }
            for (int t = 1; t < nMono; t++) {
                int mt = t * LANES;
                int mp = parent[t] * LANES;
                int xl = last[t] * LANES;
                for (int g = 0; g < lanes; g++) {
                    mono[mt + g] = mono[mp + g] * x[xl + g];
                }
            }
        }

        void monomialsAndTangents(int lanes) {
            for (int g = 0; g < lanes; g++) {
                mono[g] = 1;
                dot[g] = 0;
            }
            for (int t = 1; t < nMono; t++) {
                int mt = t * LANES;
                int mp = parent[t] * LANES;
                int xl = last[t] * LANES;
                for (int g = 0; g < lanes; g++) {
                    mono[mt + g] = mono[mp + g] * x[xl + g];
                    dot[mt + g] = dot[mp + g] * x[xl + g] + mono[mp + g] * dx[xl + g];
                }
            }
        }
    }

    @Override
    public void forward(double[] x, int[] species, double[] w, double[] out, int batch) {
        double[] v = fold(w);
        forEachSegment(batch, segments(batch, MAX_FORWARD_SEGMENTS), (from, to, seg) -> {
            Scratch s = new Scratch();
            int[] rows = bySpecies(species, from, to);
            for (int c0 = 0; c0 < c; c0 += LANES) {
                int lanes = Math.min(LANES, c - c0);
                for (int n : rows) {
                    int vz = species[n] * nPairs;
                    int ob = n * dimOut;
                    s.load(s.x, x, n, c0, lanes);
                    s.monomials(lanes);
                    for (int r = 0; r + 1 < runStart.length; r++) {
                        Arrays.fill(s.acc, 0);
                        for (int q = runStart[r]; q < runStart[r + 1]; q++) {
                            int vq = (vz + q) * c + c0;
                            int mt = pairMonomial[q] * LANES;
                            for (int g = 0; g < lanes; g++) {
                                s.acc[g] += v[vq + g] * s.mono[mt + g];
                            }
                        }
                        int o = ob + runOut[r] + c0 * runStride[r];
                        for (int g = 0; g < lanes; g++) {
                            out[o + g * runStride[r]] = s.acc[g];
                        }
                    }
                }
            }
        });
    }

    @Override
    public void backward(double[] x, int[] species, double[] w, double[] g, double[] gx, double[] gw, int batch) {
        double[] v = fold(w);
        int segs = gradientSegments(batch);
        double[][] partial = new double[segs][];
        forEachSegment(batch, segs, (from, to, seg) -> {
            Scratch s = new Scratch();
            double[] sums = new double[elements * nPairs * c];
            int[] rows = bySpecies(species, from, to);
            for (int c0 = 0; c0 < c; c0 += LANES) {
                int lanes = Math.min(LANES, c - c0);
                for (int n : rows) {
                    int vz = species[n] * nPairs;
                    int ob = n * dimOut;
                    s.load(s.x, x, n, c0, lanes);
                    s.monomials(lanes);
                    Arrays.fill(s.adj, 0);
                    for (int r = 0; r + 1 < runStart.length; r++) {
                        int o = ob + runOut[r] + c0 * runStride[r];
                        for (int l = 0; l < lanes; l++) {
                            s.acc[l] = g[o + l * runStride[r]];
                        }
                        for (int q = runStart[r]; q < runStart[r + 1]; q++) {
                            int vq = (vz + q) * c + c0;
                            int mt = pairMonomial[q] * LANES;
                            for (int l = 0; l < lanes; l++) {
                                s.adj[mt + l] += s.acc[l] * v[vq + l];
                                sums[vq + l] += s.acc[l] * s.mono[mt + l];
                            }
                        }
                    }
                    Arrays.fill(s.gx, 0);
                    for (int t = nMono - 1; t >= 1; t--) {
                        int mt = t * LANES;
                        int mp = parent[t] * LANES;
                        int xl = last[t] * LANES;
                        for (int l = 0; l < lanes; l++) {
                            double a = s.adj[mt + l];
                            s.adj[mp + l] += a * s.x[xl + l];
                            s.gx[xl + l] += a * s.mono[mp + l];
                        }
                    }
                    s.store(s.gx, gx, n, c0, lanes);
                }
            }
            partial[seg] = sums;
        });
        unfold(reduce(partial), gw);
    }

    @Override
    public void doubleBackward(double[] x, int[] species, double[] w, double[] g, double[] dx, double[] dw,
                               double[] ggx, double[] ggw, double[] ggOut, int batch) {
        double[] v = fold(w);
        double[] vd = fold(dw);
        int segs = gradientSegments(batch);
        double[][] partial = new double[segs][];
        forEachSegment(batch, segs, (from, to, seg) -> {
            Scratch s = new Scratch();
            double[] sums = new double[elements * nPairs * c];
            int[] rows = bySpecies(species, from, to);
            for (int c0 = 0; c0 < c; c0 += LANES) {
                int lanes = Math.min(LANES, c - c0);
                for (int n : rows) {
                    int vz = species[n] * nPairs;
                    int ob = n * dimOut;
                    s.load(s.x, x, n, c0, lanes);
                    s.load(s.dx, dx, n, c0, lanes);
                    s.monomialsAndTangents(lanes);
                    Arrays.fill(s.adj, 0);
                    Arrays.fill(s.adjDot, 0);
                    for (int r = 0; r + 1 < runStart.length; r++) {
                        int o = ob + runOut[r] + c0 * runStride[r];
                        for (int l = 0; l < lanes; l++) {
                            s.acc[l] = g[o + l * runStride[r]];
                        }
                        Arrays.fill(s.acc2, 0);
                        for (int q = runStart[r]; q < runStart[r + 1]; q++) {
                            int vq = (vz + q) * c + c0;
                            int mt = pairMonomial[q] * LANES;
                            for (int l = 0; l < lanes; l++) {
                                double gm = s.acc[l];
                                s.acc2[l] += v[vq + l] * s.dot[mt + l] + vd[vq + l] * s.mono[mt + l];
                                s.adjDot[mt + l] += gm * v[vq + l];
                                s.adj[mt + l] += gm * vd[vq + l];
                                sums[vq + l] += gm * s.dot[mt + l];
                            }
                        }
                        for (int l = 0; l < lanes; l++) {
                            ggOut[o + l * runStride[r]] = s.acc2[l];
                        }
                    }
                    Arrays.fill(s.gx, 0);
                    for (int t = nMono - 1; t >= 1; t--) {
                        int mt = t * LANES;
                        int mp = parent[t] * LANES;
                        int xl = last[t] * LANES;
                        for (int l = 0; l < lanes; l++) {
                            double aD = s.adjDot[mt + l];
                            double a = s.adj[mt + l];
                            s.adjDot[mp + l] += aD * s.x[xl + l];
                            s.adj[mp + l] += aD * s.dx[xl + l] + a * s.x[xl + l];
                            s.gx[xl + l] += aD * s.dot[mp + l] + a * s.mono[mp + l];
                        }
                    }
                    s.store(s.gx, ggx, n, c0, lanes);
                }
            }
            partial[seg] = sums;
        });
        unfold(reduce(partial), ggw);
    }

    /**
     * The rows from..to-1 grouped by species, in row order within a species (a counting sort): rows
     * of one element share the table rows and weight-gradient sums they touch, which then stay in cache.
     */
    private int[] bySpecies(int[] species, int from, int to) {
        int[] start = new int[elements + 1];
        for (int n = from; n < to; n++) {
            start[species[n] + 1]++;
        }
        for (int z = 0; z < elements; z++) {
            start[z + 1] += start[z];
        }
        int[] rows = new int[to - from];
        for (int n = from; n < to; n++) {
            rows[start[species[n]]++] = n;
        }
        return rows;
    }

    /** The segments' partial pair sums added in segment order. */
    private double[] reduce(double[][] partial) {
        if (partial.length == 1) {
            return partial[0];
        }
        double[] total = new double[elements * nPairs * c];
        for (double[] part : partial) {
            for (int e = 0; e < total.length; e++) {
                total[e] += part[e];
            }
        }
        return total;
    }
}
