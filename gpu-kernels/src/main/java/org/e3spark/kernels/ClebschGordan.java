package org.e3spark.kernels;

import org.e3spark.kernels.internal.math.Wigner3jCache;

/**
 * Real Clebsch-Gordan coupling tensors, e3nn's {@code o3.wigner_3j(l1, l2, l3)}.
 *
 * <p>C(l1, l2, l3) has shape (2l1+1, 2l2+1, 2l3+1), flat row-major, unit Frobenius norm, and is
 * an intertwiner: rotating both inputs rotates the coupled output. Computed exactly (SPEC §3) the
 * first time a triple is asked for, then cached for the life of the process. Degrees up to
 * {@link #MAX_L} are supported.
 */
public final class ClebschGordan {

    public static final int MAX_L = Wigner3jCache.MAX_L;

    private ClebschGordan() {
    }

    /** e3nn >= 0.5's {@code wigner_3j(l1, l2, l3)}, a fresh copy the caller may modify. */
    public static double[] wigner3j(int l1, int l2, int l3) {
        return wigner3j(l1, l2, l3, CgConvention.E3NN);
    }

    /** {@code wigner_3j} in the given sign convention, a fresh copy the caller may modify. */
    public static double[] wigner3j(int l1, int l2, int l3, CgConvention convention) {
        double[] copy = Wigner3jCache.get(l1, l2, l3).clone();
        if (convention.sign(l1, l2, l3) < 0) {
            for (int i = 0; i < copy.length; i++) {
                copy[i] = -copy[i];
            }
        }
        return copy;
    }

    /** True when (l1, l2, l3) satisfies the triangle rule, so the tensor is nonzero. */
    public static boolean isTriangle(int l1, int l2, int l3) {
        return Wigner3jCache.isTriangle(l1, l2, l3);
    }
}
