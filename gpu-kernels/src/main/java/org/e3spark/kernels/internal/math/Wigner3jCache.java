package org.e3spark.kernels.internal.math;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Process-wide cache of e3nn-convention coupling tensors. The arrays handed out are shared:
 * library code reads them and never writes; the public {@code ClebschGordan} API hands out copies.
 */
public final class Wigner3jCache {

    /** Largest degree of any leg; the exact arithmetic stays cheap well beyond this. */
    public static final int MAX_L = 24;

    private static final Map<Long, double[]> CACHE = new ConcurrentHashMap<>();

    private Wigner3jCache() {
    }

    public static boolean isTriangle(int l1, int l2, int l3) {
        return l1 >= 0 && l2 >= 0 && l3 >= 0 && Math.abs(l1 - l2) <= l3 && l3 <= l1 + l2;
    }

    /** The shared tensor for (l1, l2, l3), e3nn >= 0.5 signs. Do not modify. */
    public static double[] get(int l1, int l2, int l3) {
        if (!isTriangle(l1, l2, l3)) {
            throw new IllegalArgumentException("wigner_3j(" + l1 + ", " + l2 + ", " + l3
                    + "): degrees must satisfy |l1 - l2| <= l3 <= l1 + l2");
        }
        if (Math.max(l1, Math.max(l2, l3)) > MAX_L) {
            throw new IllegalArgumentException("wigner_3j(" + l1 + ", " + l2 + ", " + l3
                    + "): degrees above " + MAX_L + " are not supported");
        }
        long key = ((long) l1 << 32) | ((long) l2 << 16) | l3;
        return CACHE.computeIfAbsent(key, k -> Wigner3jBuilder.build(l1, l2, l3));
    }
}
