package org.e3spark.kernels;

import java.util.Arrays;

/**
 * Which sign convention of e3nn's {@code wigner_3j} to follow.
 *
 * <p>e3nn 0.5 changed the overall sign of some coupling tensors. Tensor products whose irreps all
 * have natural parity never touch them, but MACE pins e3nn 0.4.4 and its symmetric-contraction
 * bases do, so both conventions are offered; {@link #E3NN} is the default everywhere.
 */
public enum CgConvention {
    /** e3nn >= 0.5 (and 0.6.0, which the goldens come from). */
    E3NN,
    /** e3nn <= 0.4.4: the whole tensor is negated for the triples in {@link #LEGACY_NEGATED}. */
    LEGACY_E3NN_044;

    /** The largest degree whose e3nn 0.4.4 signs are known (its coefficient file stopped there). */
    public static final int LEGACY_MAX_L = 11;

    /**
     * Sorted (l1 <= l2 <= l3) triples whose tensor e3nn <= 0.4.4 negates, for every permutation: SPEC §3's
     * list to l = 7, then its continuation to l = 11 (golden/README.md). They are exactly the triples whose
     * current tensor is negative at [l1, l2, l3], or at its first nonzero entry where that is zero.
     */
    static final int[][] LEGACY_NEGATED = {
            {1, 2, 2}, {1, 3, 3}, {1, 4, 4}, {1, 5, 5}, {1, 6, 6}, {1, 7, 7}, {4, 4, 5},
            {5, 5, 5}, {3, 4, 6}, {4, 5, 6}, {5, 6, 6}, {3, 5, 7}, {4, 6, 7}, {5, 7, 7},
            // l = 8 .. 11
            {1, 8, 8}, {1, 9, 9}, {1, 10, 10}, {1, 11, 11}, {3, 6, 8}, {3, 7, 9}, {3, 8, 10}, {3, 9, 11},
            {4, 7, 8}, {4, 8, 9}, {4, 9, 10}, {4, 10, 11}, {5, 8, 8}, {5, 9, 9}, {5, 10, 10}, {5, 11, 11},
            {5, 6, 10}, {5, 7, 11}, {6, 6, 9}, {6, 7, 10}, {6, 8, 11}, {7, 7, 9}, {7, 8, 10}, {7, 9, 11},
            {8, 8, 9}, {8, 9, 10}, {8, 10, 11}, {9, 9, 9}, {9, 10, 10}, {9, 11, 11},
    };

    /**
     * The factor (+1 or -1) this convention applies to e3nn's current tensor for (l1, l2, l3). The legacy
     * convention is known to degree {@link #LEGACY_MAX_L}; above it this throws rather than guess.
     */
    public int sign(int l1, int l2, int l3) {
        if (this == E3NN) {
            return 1;
        }
        int[] sorted = {l1, l2, l3};
        Arrays.sort(sorted);
        if (sorted[2] > LEGACY_MAX_L) {
            throw new IllegalArgumentException("e3nn 0.4.4's wigner_3j signs are known to l = " + LEGACY_MAX_L
                    + " only, not for (" + l1 + ", " + l2 + ", " + l3 + ")");
        }
        for (int[] t : LEGACY_NEGATED) {
            if (Arrays.equals(t, sorted)) {
                return -1;
            }
        }
        return 1;
    }
}
