package org.e3spark.kernels;

import java.util.Arrays;

/**
 * The edges of a message-passing graph, validated once and prepared for reuse across layers and
 * calls: directed edges {@code sender[e] -> receiver[e]} over {@code numNodes} nodes, with the
 * receiver-sorted (CSR) order that sums messages into each node and the sender-sorted order that
 * gathers gradients back to each node.
 *
 * <p>Canonical edge order: by receiver, then sender, then position in the given list. Sums follow
 * it, so results do not depend on how the edge list was ordered, except between repeated
 * (sender, receiver) pairs, which keep their given relative order. The graph need not be
 * symmetric; self loops, repeated edges, isolated nodes and the empty graph are valid.
 */
public final class ConvGraph {

    private final int numNodes;
    private final int[] sender;
    private final int[] receiver;
    private final int[] byReceiver;      // edge ids in canonical order
    private final int[] receiverStart;   // numNodes + 1 offsets into byReceiver
    private final int[] bySender;        // edge ids sorted by sender, then receiver, then position
    private final int[] senderStart;     // numNodes + 1 offsets into bySender

    private ConvGraph(int[] sender, int[] receiver, int numNodes) {
        this.numNodes = numNodes;
        this.sender = sender;
        this.receiver = receiver;
        this.byReceiver = sortedBy(receiver, sender, numNodes);
        this.receiverStart = offsets(receiver, numNodes);
        this.bySender = sortedBy(sender, receiver, numNodes);
        this.senderStart = offsets(sender, numNodes);
    }

    /** Validates the edge list (copied) and prepares both orders. */
    public static ConvGraph of(int[] sender, int[] receiver, int numNodes) {
        if (sender == null || receiver == null) {
            throw new IllegalArgumentException("sender and receiver must not be null");
        }
        if (numNodes < 0) {
            throw new IllegalArgumentException("numNodes must be >= 0, got " + numNodes);
        }
        if (sender.length != receiver.length) {
            throw new IllegalArgumentException("sender has " + sender.length + " edges but receiver has " + receiver.length);
        }
        for (int e = 0; e < sender.length; e++) {
            if (sender[e] < 0 || sender[e] >= numNodes) {
                throw new IllegalArgumentException("edge " + e + ": sender " + sender[e] + " is out of range 0.."
                        + (numNodes - 1) + " (numNodes = " + numNodes + ")");
            }
            if (receiver[e] < 0 || receiver[e] >= numNodes) {
                throw new IllegalArgumentException("edge " + e + ": receiver " + receiver[e] + " is out of range 0.."
                        + (numNodes - 1) + " (numNodes = " + numNodes + ")");
            }
        }
        return new ConvGraph(sender.clone(), receiver.clone(), numNodes);
    }

    /** Counting sort by primary key, then secondary key, stable in edge position. */
    private static int[] sortedBy(int[] primary, int[] secondary, int numNodes) {
        int[] bySecondary = countingSort(secondary, identity(secondary.length), numNodes);
        return countingSort(primary, bySecondary, numNodes);
    }

    private static int[] identity(int n) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = i;
        }
        return ids;
    }

    private static int[] countingSort(int[] key, int[] order, int numNodes) {
        int[] start = offsets(key, numNodes);
        int[] next = Arrays.copyOf(start, numNodes);
        int[] out = new int[order.length];
        for (int e : order) {
            out[next[key[e]]++] = e;
        }
        return out;
    }

    private static int[] offsets(int[] key, int numNodes) {
        int[] start = new int[numNodes + 1];
        for (int k : key) {
            start[k + 1]++;
        }
        for (int n = 0; n < numNodes; n++) {
            start[n + 1] += start[n];
        }
        return start;
    }

    public int numNodes() {
        return numNodes;
    }

    public int numEdges() {
        return sender.length;
    }

    public int sender(int edge) {
        return sender[edge];
    }

    public int receiver(int edge) {
        return receiver[edge];
    }

    /** Copies of the edge arrays as given. */
    public int[] senders() {
        return sender.clone();
    }

    public int[] receivers() {
        return receiver.clone();
    }

    /** Incoming edges of node n, canonical order: ids {@code inEdge(t)} for t in [inStart(n), inStart(n+1)). */
    public int inStart(int node) {
        return receiverStart[node];
    }

    public int inEdge(int t) {
        return byReceiver[t];
    }

    /** Outgoing edges of node n: {@code outEdge(t)} for t in [outStart(n), outStart(n+1)). */
    public int outStart(int node) {
        return senderStart[node];
    }

    public int outEdge(int t) {
        return bySender[t];
    }

    /** The largest in-degree (a hub's), which GPU schedules size their work by. */
    public int maxInDegree() {
        int max = 0;
        for (int n = 0; n < numNodes; n++) {
            max = Math.max(max, receiverStart[n + 1] - receiverStart[n]);
        }
        return max;
    }
}
