package org.e3spark.kernels.gpu;

import java.util.function.IntUnaryOperator;

/**
 * The work items of one side of a prepared graph (see
 * {@link org.e3spark.kernels.internal.codegen.ConvKernelAbi}): each node's run of sorted edges cut
 * into {@code ceil(degree / chunk)} items of near-equal size. A node with one item owns its row
 * (slot -1); a node with several gives them consecutive slots and one reduction group. Computed
 * from the graph alone, so the items (and with them every summation order) are the same run after
 * run and for any edge order of the same graph. Items are listed largest first (ties in node
 * order): warps take them grid-stride, so the list order is a longest-first schedule and the last
 * wave is made of the smallest items.
 *
 * @param items {@code (node, begin, end, slot)} per item, flattened
 * @param groups {@code (node, firstSlot, count, 0)} per node cut into several items, flattened
 * @param slots partial rows the items with a slot need
 */
record ConvWorkList(int[] items, int[] groups, int slots) {

    int itemCount() {
        return items.length / 4;
    }

    int groupCount() {
        return groups.length / 4;
    }

    /** The items of nodes 0..numNodes-1 whose runs are [start(n), start(n+1)). */
    static ConvWorkList build(int numNodes, IntUnaryOperator start, int chunk) {
        if (chunk < 1) {
            throw new IllegalArgumentException("chunk must be >= 1, got " + chunk);
        }
        int itemCount = 0;
        int groupCount = 0;
        for (int n = 0; n < numNodes; n++) {
            int k = pieces(start.applyAsInt(n + 1) - start.applyAsInt(n), chunk);
            itemCount += k;
            groupCount += k > 1 ? 1 : 0;
        }
        int[] items = new int[4 * itemCount];
        int[] groups = new int[4 * groupCount];
        int item = 0;
        int group = 0;
        int slot = 0;
        for (int n = 0; n < numNodes; n++) {
            int begin = start.applyAsInt(n);
            int degree = start.applyAsInt(n + 1) - begin;
            int k = pieces(degree, chunk);
            if (k > 1) {
                groups[4 * group] = n;
                groups[4 * group + 1] = slot;
                groups[4 * group + 2] = k;
                group++;
            }
            for (int c = 0; c < k; c++) {
                int size = degree / k + (c < degree % k ? 1 : 0);
                items[4 * item] = n;
                items[4 * item + 1] = begin;
                items[4 * item + 2] = begin + size;
                items[4 * item + 3] = k > 1 ? slot++ : -1;
                begin += size;
                item++;
            }
        }
        return new ConvWorkList(largestFirst(items), groups, slot);
    }

    private static int[] largestFirst(int[] items) {
        int n = items.length / 4;
        Integer[] order = new Integer[n];
        for (int k = 0; k < n; k++) {
            order[k] = k;
        }
        java.util.Arrays.sort(order, (a, b) -> Integer.compare(items[4 * b + 2] - items[4 * b + 1],
                items[4 * a + 2] - items[4 * a + 1])); // stable: ties keep node order
        int[] sorted = new int[items.length];
        for (int k = 0; k < n; k++) {
            System.arraycopy(items, 4 * order[k], sorted, 4 * k, 4);
        }
        return sorted;
    }

    private static int pieces(int degree, int chunk) {
        return (degree + chunk - 1) / chunk;
    }

    /**
     * Edges per item of the receiver side (forward). Each forward item is split again per output
     * segment, so there is parallelism enough with whole nodes; but every node cut into several
     * items costs one partial output row per item (deterministic) or a row of atomics (atomic), as
     * many bytes as the weights of dozens of edges. So only nodes of more than 64 edges are cut.
     */
    static final int RECEIVER_CHUNK = 64;

    /**
     * Edges per item of the sender side (backward), for a graph of this many edges on this many
     * multiprocessors: small enough that there are about 128 items per multiprocessor (hubs never
     * serialize, and warps finish together), at least 4 so that partial rows of x-gradients stay a
     * small share of the traffic, at most 64.
     */
    static int chunkFor(long numEdges, int multiprocessors) {
        long perItem = (numEdges + 128L * multiprocessors - 1) / (128L * multiprocessors);
        return (int) Math.max(4, Math.min(64, perItem));
    }
}
