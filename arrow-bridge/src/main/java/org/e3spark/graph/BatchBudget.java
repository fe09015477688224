package org.e3spark.graph;

/**
 * How much one batch may hold: nodes, edges and bytes (the {@link GraphBatch#bytes()} estimate);
 * a limit of 0 means none. Structures are packed while all limits hold; a structure that alone
 * exceeds a limit goes into a batch of its own (counted by {@link GraphBatcher#oversized()}),
 * never dropped.
 */
public record BatchBudget(int maxNodes, int maxEdges, long maxBytes) {

    public BatchBudget {
        if (maxNodes < 0 || maxEdges < 0 || maxBytes < 0) {
            throw new IllegalArgumentException("batch limits must be >= 0 (0 = none), got nodes " + maxNodes
                    + ", edges " + maxEdges + ", bytes " + maxBytes);
        }
        if (maxNodes == 0 && maxEdges == 0 && maxBytes == 0) {
            throw new IllegalArgumentException("a batch budget needs at least one limit (nodes, edges or bytes)");
        }
    }

    public static BatchBudget nodes(int max) {
        return new BatchBudget(max, 0, 0);
    }

    public static BatchBudget edges(int max) {
        return new BatchBudget(0, max, 0);
    }

    public static BatchBudget bytes(long max) {
        return new BatchBudget(0, 0, max);
    }

    /** Whether a batch of this size is within every limit. */
    public boolean fits(long nodes, long edges, long bytes) {
        return (maxNodes == 0 || nodes <= maxNodes) && (maxEdges == 0 || edges <= maxEdges)
                && (maxBytes == 0 || bytes <= maxBytes);
    }
}
