package org.e3spark.kernels.internal.math;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.e3spark.kernels.CgConvention;
import org.e3spark.kernels.ClebschGordan;
import org.e3spark.kernels.Irrep;

/**
 * MACE's generalized Clebsch-Gordan basis, {@code mace.tools.cg.U_matrix_real(coupling, L, nu)}
 * with {@code use_cueq_cg=False}, built sparsely.
 *
 * <p>nu copies of the coupling irreps (each multiplicity 1, total dimension D) are coupled left to
 * right: level 1 is one path per coupling irrep (the identity rows of its block, in irreps order,
 * unsorted); level n couples every level n-1 path (in its order) with every coupling irrep (in
 * irreps order) into every irrep of the product (degree ascending), with
 * {@code wigner_3j(l_out, l_left, l_right) * sqrt(2 l_out + 1)}, and the list is then sorted stably
 * by irrep (e3nn's (l, p) order). For nu = 4 every level from 2 on keeps only natural-parity irreps
 * (MACE's correlation-4 filter). The paths that end in L, in that order, are the columns k of U.
 *
 * <p>Paths that can no longer reach any requested irrep are dropped as soon as they appear; a stable
 * sort keeps the relative order of the survivors, so the result is exactly MACE's.
 */
public final class CouplingBasis {

    private CouplingBasis() {
    }

    /**
     * One path's tensor T[m, d1, .., dn] (m over the path's irrep, each d over 0..D-1), sparse:
     * entry e is component {@code comp[e]}, multi-index {@code flat[e]} (d1 most significant, base D),
     * value {@code value[e]}. Entries are unique by (comp, flat).
     */
    public static final class PathTensor {
        private final Irrep irrep;
        private final int order;
        private final int[] comp;
        private final int[] flat;
        private final double[] value;

        PathTensor(Irrep irrep, int order, int[] comp, int[] flat, double[] value) {
            this.irrep = irrep;
            this.order = order;
            this.comp = comp;
            this.flat = flat;
            this.value = value;
        }

        public Irrep irrep() {
            return irrep;
        }

        /** nu: how many copies of the input were coupled. */
        public int order() {
            return order;
        }

        public int size() {
            return comp.length;
        }

        public int comp(int e) {
            return comp[e];
        }

        public int flat(int e) {
            return flat[e];
        }

        public double value(int e) {
            return value[e];
        }
    }

    /**
     * The columns of U_nu^L in MACE's order, for every requested irrep: {@code result.get(i)} lists
     * the paths ending in {@code outputs.get(i)} (empty when none reaches it: MACE then stores one
     * all-zero column).
     */
    public static List<List<PathTensor>> paths(List<Irrep> coupling, List<Irrep> outputs, int nu,
                                               CgConvention convention) {
        if (nu < 1) {
            throw new IllegalArgumentException("order nu must be >= 1, got " + nu);
        }
        int dim = 0;
        int lmaxIn = 0;
        int[] start = new int[coupling.size()];
        for (int b = 0; b < coupling.size(); b++) {
            start[b] = dim;
            dim += coupling.get(b).dim();
            lmaxIn = Math.max(lmaxIn, coupling.get(b).l());
        }
        if (Math.pow(dim, nu) >= Integer.MAX_VALUE) {
            throw new IllegalArgumentException("coupling dimension " + dim + " to the power " + nu
                    + " does not fit a flat int index");
        }
        List<PathTensor> level = new ArrayList<>();
        for (int b = 0; b < coupling.size(); b++) {
            Irrep ir = coupling.get(b);
            if (!reachable(ir, 1, nu, outputs, lmaxIn)) {
                continue;
            }
            int[] comp = new int[ir.dim()];
            int[] flat = new int[ir.dim()];
            double[] value = new double[ir.dim()];
            for (int m = 0; m < ir.dim(); m++) {
                comp[m] = m;
                flat[m] = start[b] + m;
                value[m] = 1.0;
            }
            level.add(new PathTensor(ir, 1, comp, flat, value));
        }
        for (int n = 2; n <= nu; n++) {
            List<PathTensor> next = new ArrayList<>();
            for (PathTensor left : level) {
                for (int b = 0; b < coupling.size(); b++) {
                    Irrep right = coupling.get(b);
                    int parity = left.irrep.parity() * right.parity();
                    for (int l = Math.abs(left.irrep.l() - right.l()); l <= left.irrep.l() + right.l(); l++) {
                        Irrep out = new Irrep(l, parity);
                        if (nu == 4 && !(l < 12 && parity == (l % 2 == 0 ? 1 : -1))) {
                            continue; // MACE: filter_ir_mid = natural parity, l < 12, for correlation 4
                        }
                        if (!reachable(out, n, nu, outputs, lmaxIn)) {
                            continue;
                        }
                        next.add(couple(left, out, right, start[b], dim, convention));
                    }
                }
            }
            next.sort(Comparator.comparing(PathTensor::irrep)); // List.sort is stable, as Python's sorted
            level = next;
        }
        List<List<PathTensor>> result = new ArrayList<>();
        for (Irrep target : outputs) {
            List<PathTensor> columns = new ArrayList<>();
            for (PathTensor p : level) {
                if (p.irrep.equals(target)) {
                    columns.add(p);
                }
            }
            result.add(List.copyOf(columns));
        }
        return result;
    }

    /** Can an irrep at level n still become one of the outputs after nu - n more couplings? */
    private static boolean reachable(Irrep ir, int n, int nu, List<Irrep> outputs, int lmaxIn) {
        int remaining = nu - n;
        for (Irrep target : outputs) {
            if (remaining == 0 ? ir.equals(target) : Math.abs(ir.l() - target.l()) <= remaining * lmaxIn) {
                return true;
            }
        }
        return false;
    }

    /** T'[M, d.., d_n] = sum_j C[M, j, m] T[j, d..] with d_n = start + m, C = w3j(lo, ll, lr) sqrt(2lo+1). */
    private static PathTensor couple(PathTensor left, Irrep out, Irrep right, int start, int dim,
                                     CgConvention convention) {
        int dOut = out.dim();
        int dLeft = left.irrep.dim();
        int dRight = right.dim();
        double[] c = ClebschGordan.wigner3j(out.l(), left.irrep.l(), right.l(), convention);
        double norm = Math.sqrt(dOut);
        // nonzeros of C grouped by the left index j: (M, m, value)
        List<List<double[]>> byJ = new ArrayList<>();
        for (int j = 0; j < dLeft; j++) {
            byJ.add(new ArrayList<>());
        }
        for (int mo = 0; mo < dOut; mo++) {
            for (int j = 0; j < dLeft; j++) {
                for (int m = 0; m < dRight; m++) {
                    double v = c[(mo * dLeft + j) * dRight + m];
                    if (v != 0.0) {
                        byJ.get(j).add(new double[] {mo, m, v * norm});
                    }
                }
            }
        }
        Map<Long, Integer> index = new HashMap<>();
        List<int[]> keys = new ArrayList<>();
        List<double[]> sums = new ArrayList<>();
        for (int e = 0; e < left.size(); e++) {
            int j = left.comp[e];
            for (double[] t : byJ.get(j)) {
                int mo = (int) t[0];
                int flat = left.flat[e] * dim + start + (int) t[1];
                long key = ((long) mo << 32) | flat;
                Integer at = index.get(key);
                if (at == null) {
                    index.put(key, keys.size());
                    keys.add(new int[] {mo, flat});
                    sums.add(new double[] {left.value[e] * t[2]});
                } else {
                    sums.get(at)[0] += left.value[e] * t[2];
                }
            }
        }
        int n = keys.size();
        int[] comp = new int[n];
        int[] flat = new int[n];
        double[] value = new double[n];
        for (int e = 0; e < n; e++) {
            comp[e] = keys.get(e)[0];
            flat[e] = keys.get(e)[1];
            value[e] = sums.get(e)[0];
        }
        return new PathTensor(out, left.order + 1, comp, flat, value);
    }
}
