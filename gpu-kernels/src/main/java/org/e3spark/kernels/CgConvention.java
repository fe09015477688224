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

    /** Sorted (l1 <= l2 <= l3) triples whose tensor e3nn <= 0.4.4 negates, for every permutation. */
    static final int[][] LEGACY_NEGATED = {
            {1, 2, 2}, {1, 3, 3}, {1, 4, 4}, {1, 5, 5}, {1, 6, 6}, {1, 7, 7}, {4, 4, 5},
            {5, 5, 5}, {3, 4, 6}, {4, 5, 6}, {5, 6, 6}, {3, 5, 7}, {4, 6, 7}, {5, 7, 7},
    };

    /** The factor (+1 or -1) this convention applies to e3nn's current tensor for (l1, l2, l3). */
    public int sign(int l1, int l2, int l3) {
        if (this == E3NN) {
            return 1;
        }
        int[] sorted = {l1, l2, l3};
        Arrays.sort(sorted);
        for (int[] t : LEGACY_NEGATED) {
            if (Arrays.equals(t, sorted)) {
                return -1;
            }
        }
        return 1;
    }
}
