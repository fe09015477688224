package org.e3spark.kernels.internal.math;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.e3spark.kernels.SymmetricContractionProblem;
import org.e3spark.kernels.internal.math.CouplingBasis.PathTensor;

/**
 * A symmetric contraction as sparse polynomials in one node-channel's features x[0..D-1], shared
 * by every node and channel:
 * {@code out_i[M] = sum_terms W_nu^i[z, k, c] * coefficient * monomial(x)}, where a term is
 * (M, nu, k, monomial, coefficient) and the coefficient is U_nu^i[M, d.., k] summed over every
 * ordering of the sorted multi-index d1 <= .. <= dnu (x⊗..⊗x is symmetric, so only the symmetric
 * part of U matters; the table is about nu! times smaller than U's nonzeros).
 *
 * <p>Monomials: index 0 is the constant 1; every other monomial t is {@code parent(t) * x[last(t)]}
 * with the parent one degree lower (its sorted indices minus the largest), so a node's monomials are
 * evaluated with one multiplication each in index order (parents come first), and reverse-mode
 * derivatives run in reverse index order. Sorted by degree, then lexicographically.
 *
 * <p>Per output, terms are sorted by (M, monomial, nu, k); a pair is a distinct (M, monomial), and
 * {@link #termPair} says which pair a term adds to. Coefficients below {@link #ROUND_OFF} are dropped:
 * U's entries are products of unit-norm CG tensors times sqrt(2l+1) (order 1), so such a sum is the
 * round-off of an exact cancellation (e.g. the antisymmetric w3j(1, 1, 1) against x⊗x).
 */
public final class SymmetricPolynomial {

    /** Symmetrised coefficients smaller than this are exact zeros up to round-off. */
    public static final double ROUND_OFF = 1e-13;

    private final int dim;
    private final int[] degree;
    private final int[] parent;
    private final int[] last;
    private final int[] monoFlat;
    private final Output[] outputs;

    private static final class Output {
        int[] comp;
        int[] order;
        int[] path;
        int[] monomial;
        double[] coefficient;
        int[] pair;
        int[] pairComp;
        int[] pairMonomial;
    }

    private record TermKey(int m, int nu, int k, int flat) {
    }

    private SymmetricPolynomial(int dim, int[] degree, int[] parent, int[] last, int[] monoFlat, Output[] outputs) {
        this.dim = dim;
        this.degree = degree;
        this.parent = parent;
        this.last = last;
        this.monoFlat = monoFlat;
        this.outputs = outputs;
    }

    /** Builds the polynomials of a problem from its coupling paths. */
    public static SymmetricPolynomial of(SymmetricContractionProblem p) {
        int d = p.couplingDim();
        int nOut = p.outputs().size();
        List<Map<TermKey, double[]>> perOutput = new ArrayList<>();
        // monomial keys: degree * BASE + flat, as a sorted set
        TreeSet<Long> monoKeys = new TreeSet<>();
        monoKeys.add(0L);
        int[] digits = new int[p.correlation()];
        for (int i = 0; i < nOut; i++) {
            Map<TermKey, double[]> terms = new HashMap<>();
            for (int nu = 1; nu <= p.correlation(); nu++) {
                List<PathTensor> cols = p.paths(i, nu);
                for (int k = 0; k < cols.size(); k++) {
                    PathTensor t = cols.get(k);
                    for (int e = 0; e < t.size(); e++) {
                        int flat = t.flat(e);
                        for (int n = nu - 1; n >= 0; n--) {
                            digits[n] = flat % d;
                            flat /= d;
                        }
                        Arrays.sort(digits, 0, nu);
                        int sorted = 0;
                        for (int n = 0; n < nu; n++) {
                            sorted = sorted * d + digits[n];
                        }
                        terms.computeIfAbsent(new TermKey(t.comp(e), nu, k, sorted), key -> new double[1])[0]
                                += t.value(e);
                    }
                }
            }
            terms.entrySet().removeIf(en -> Math.abs(en.getValue()[0]) < ROUND_OFF);
            for (TermKey key : terms.keySet()) {
                int flat = key.flat();
                for (int deg = key.nu(); deg >= 1; deg--) { // the monomial and all its prefixes
                    monoKeys.add(monoKey(deg, flat));
                    flat /= d;
                }
            }
            perOutput.add(terms);
        }
        int nMono = monoKeys.size();
        int[] degree = new int[nMono];
        int[] parent = new int[nMono];
        int[] last = new int[nMono];
        int[] monoFlat = new int[nMono];
        Map<Long, Integer> monoIndex = new HashMap<>();
        int idx = 0;
        for (long key : monoKeys) {
            int deg = (int) (key >>> 40);
            int flat = (int) (key & ((1L << 40) - 1));
            degree[idx] = deg;
            monoFlat[idx] = flat;
            if (deg == 0) {
                parent[idx] = -1;
                last[idx] = -1;
            } else {
                parent[idx] = monoIndex.get(monoKey(deg - 1, deg == 1 ? 0 : flat / d));
                last[idx] = flat % d;
            }
            monoIndex.put(key, idx);
            idx++;
        }
        Output[] outs = new Output[nOut];
        for (int i = 0; i < nOut; i++) {
            Map<TermKey, double[]> terms = perOutput.get(i);
            List<long[]> rows = new ArrayList<>(); // {m, monomial, nu, k, index into keys}
            List<TermKey> keys = new ArrayList<>(terms.keySet());
            for (int e = 0; e < keys.size(); e++) {
                TermKey key = keys.get(e);
                rows.add(new long[] {key.m(), monoIndex.get(monoKey(key.nu(), key.flat())), key.nu(), key.k(), e});
            }
            rows.sort((a, b) -> {
                for (int c = 0; c < 4; c++) {
                    int cmp = Long.compare(a[c], b[c]);
                    if (cmp != 0) {
                        return cmp;
                    }
                }
                return 0;
            });
            Output o = new Output();
            int n = rows.size();
            o.comp = new int[n];
            o.order = new int[n];
            o.path = new int[n];
            o.monomial = new int[n];
            o.coefficient = new double[n];
            o.pair = new int[n];
            List<int[]> pairs = new ArrayList<>();
            for (int e = 0; e < n; e++) {
                long[] r = rows.get(e);
                o.comp[e] = (int) r[0];
                o.monomial[e] = (int) r[1];
                o.order[e] = (int) r[2];
                o.path[e] = (int) r[3];
                o.coefficient[e] = terms.get(keys.get((int) r[4]))[0];
                if (pairs.isEmpty() || pairs.getLast()[0] != o.comp[e] || pairs.getLast()[1] != o.monomial[e]) {
                    pairs.add(new int[] {o.comp[e], o.monomial[e]});
                }
                o.pair[e] = pairs.size() - 1;
            }
            o.pairComp = new int[pairs.size()];
            o.pairMonomial = new int[pairs.size()];
            for (int q = 0; q < pairs.size(); q++) {
                o.pairComp[q] = pairs.get(q)[0];
                o.pairMonomial[q] = pairs.get(q)[1];
            }
            outs[i] = o;
        }
        return new SymmetricPolynomial(d, degree, parent, last, monoFlat, outs);
    }

    private static long monoKey(int degree, int flat) {
        return ((long) degree << 40) | flat;
    }

    /** D: the number of variables (the coupling dimension). */
    public int variables() {
        return dim;
    }

    public int monomialCount() {
        return degree.length;
    }

    public int monomialDegree(int t) {
        return degree[t];
    }

    /** The monomial this one extends by one factor; -1 for the constant. */
    public int monomialParent(int t) {
        return parent[t];
    }

    /** The variable of the last (largest) factor; -1 for the constant. */
    public int monomialLast(int t) {
        return last[t];
    }

    /** The sorted variable indices d1 <= .. <= d_degree of monomial t. */
    public int[] monomialIndices(int t) {
        int[] ix = new int[degree[t]];
        int flat = monoFlat[t];
        for (int n = ix.length - 1; n >= 0; n--) {
            ix[n] = flat % dim;
            flat /= dim;
        }
        return ix;
    }

    public int outputCount() {
        return outputs.length;
    }

    public int termCount(int output) {
        return outputs[output].comp.length;
    }

    /** M: the output component (0..2L) of term e. */
    public int termComponent(int output, int e) {
        return outputs[output].comp[e];
    }

    /** nu: which order's weights the term uses. */
    public int termOrder(int output, int e) {
        return outputs[output].order[e];
    }

    /** k: the weight column (path) of the term. */
    public int termPath(int output, int e) {
        return outputs[output].path[e];
    }

    public int termMonomial(int output, int e) {
        return outputs[output].monomial[e];
    }

    public double termCoefficient(int output, int e) {
        return outputs[output].coefficient[e];
    }

    /** The pair (distinct (M, monomial)) term e adds to; pairs are numbered in term order. */
    public int termPair(int output, int e) {
        return outputs[output].pair[e];
    }

    public int pairCount(int output) {
        return outputs[output].pairComp.length;
    }

    public int pairComponent(int output, int q) {
        return outputs[output].pairComp[q];
    }

    public int pairMonomial(int output, int q) {
        return outputs[output].pairMonomial[q];
    }
}
