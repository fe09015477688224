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
}
