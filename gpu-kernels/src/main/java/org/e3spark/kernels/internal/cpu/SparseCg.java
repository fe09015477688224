package org.e3spark.kernels.internal.cpu;

import org.e3spark.kernels.internal.math.Wigner3jCache;

/**
 * The nonzeros of one path's coupling tensor with the path coefficient folded in: entry t couples
 * component i of input 1 and j of input 2 into component k of the output with value {@code value[t]}.
 * (1,1,2) has 11 of 45 entries nonzero, (3,3,3) 42 of 343: loops over these are the fast path.
 */
record SparseCg(int[] i, int[] j, int[] k, double[] value) {

    static SparseCg of(int l1, int l2, int lo, double coefficient) {
        double[] c = Wigner3jCache.get(l1, l2, lo);
        int d2 = 2 * l2 + 1;
        int d3 = 2 * lo + 1;
        int n = 0;
        for (double v : c) {
            if (v != 0) {
                n++;
            }
        }
        int[] is = new int[n];
        int[] js = new int[n];
        int[] ks = new int[n];
        double[] vs = new double[n];
        int t = 0;
        for (int idx = 0; idx < c.length; idx++) {
            if (c[idx] != 0) {
                is[t] = idx / (d2 * d3);
                js[t] = (idx / d3) % d2;
                ks[t] = idx % d3;
                vs[t] = c[idx] * coefficient;
                t++;
            }
        }
        return new SparseCg(is, js, ks, vs);
    }

    int size() {
        return value.length;
    }

    /**
     * The nonzeros grouped by (i, k) pair: pair q couples input-1 component {@code pairI[q]} into
     * output component {@code pairK[q]} through the input-2 components {@code entryJ[e]} with values
     * {@code entryValue[e]}, e in [pairStart[q], pairStart[q + 1]). With one input-2 channel the y
     * contraction of a pair, M_q = sum_e value[e] y[j[e]], is a per-row scalar, so the channel loops run
     * once per pair instead of once per nonzero.
     */
    record Pairs(int[] pairI, int[] pairK, int[] pairStart, int[] entryJ, double[] entryValue) {
        int size() {
            return pairI.length;
        }

        /** M_q for the y row whose component j sits at y[base + j * stride]. */
        double contract(int q, double[] y, int base, int stride) {
            double m = 0;
            for (int e = pairStart[q]; e < pairStart[q + 1]; e++) {
                m += entryValue[e] * y[base + entryJ[e] * stride];
            }
            return m;
        }
    }

    Pairs pairs() {
        java.util.Map<Long, java.util.List<Integer>> groups = new java.util.LinkedHashMap<>();
        for (int t = 0; t < size(); t++) {
            groups.computeIfAbsent(((long) i[t] << 32) | k[t], key -> new java.util.ArrayList<>()).add(t);
        }
        int n = groups.size();
        int[] pi = new int[n];
        int[] pk = new int[n];
        int[] start = new int[n + 1];
        int[] ej = new int[size()];
        double[] ev = new double[size()];
        int q = 0;
        int e = 0;
        for (java.util.List<Integer> members : groups.values()) {
            pi[q] = i[members.get(0)];
            pk[q] = k[members.get(0)];
            start[q] = e;
            for (int t : members) {
                ej[e] = j[t];
                ev[e] = value[t];
                e++;
            }
            q++;
        }
        start[n] = e;
        return new Pairs(pi, pk, start, ej, ev);
    }
}
