package org.e3spark.graph;

import java.nio.DoubleBuffer;
import java.nio.IntBuffer;

/**
 * The directed edges of one structure's radius graph, in the convention of ASE's
 * {@code neighbor_list("ijSD")} and e3nn/NequIP's {@code edge_index}/{@code edge_cell_shift}:
 * edge e goes to receiver i = {@code receiver(e)} (ASE's i, NequIP's {@code edge_index[0]}, the
 * center) from sender j = {@code sender(e)}, with integer cell shift S (in cell vectors) and edge
 * vector D = x_j - x_i + S·cell, pointing from the receiver to the sender's image; |D| < cutoff.
 * Every edge appears in both directions (j to i with -S). Sorted by receiver, then sender, then
 * shift (a, b, c); an atom is its own neighbor only through a nonzero shift. Immutable: bulk
 * access through read-only buffers that share the arrays.
 */
public final class EdgeList {

    private final long structureId;
    private final int nodeCount;
    private final double cutoff;
    private final int[] receivers;
    private final int[] senders;
    private final int[] shifts;
    private final double[] vectors;
    private final double[] lengths;

    EdgeList(long structureId, int nodeCount, double cutoff, int[] receivers, int[] senders, int[] shifts,
             double[] vectors, double[] lengths) {
        int e = receivers.length;
        if (senders.length != e || shifts.length != 3 * e || vectors.length != 3 * e || lengths.length != e) {
            throw new IllegalArgumentException("edge arrays disagree on the edge count " + e);
        }
        this.structureId = structureId;
        this.nodeCount = nodeCount;
        this.cutoff = cutoff;
        this.receivers = receivers;
        this.senders = senders;
        this.shifts = shifts;
        this.vectors = vectors;
        this.lengths = lengths;
    }

    public long structureId() {
        return structureId;
    }

    /** Atoms of the structure (nodes of the graph, edges or not). */
    public int nodeCount() {
        return nodeCount;
    }

    public double cutoff() {
        return cutoff;
    }

    public int edgeCount() {
        return receivers.length;
    }

    public int receiver(int e) {
        return receivers[e];
    }

    public int sender(int e) {
        return senders[e];
    }

    /** Cell shift of edge e along cell vector {@code axis} (0 a, 1 b, 2 c). */
    public int shift(int e, int axis) {
        return shifts[3 * e + axis];
    }

    /** Component {@code axis} of the edge vector D (Å). */
    public double vector(int e, int axis) {
        return vectors[3 * e + axis];
    }

    /** |D| (Å). */
    public double length(int e) {
        return lengths[e];
    }

    public IntBuffer receiverBuffer() {
        return IntBuffer.wrap(receivers).asReadOnlyBuffer();
    }

    public IntBuffer senderBuffer() {
        return IntBuffer.wrap(senders).asReadOnlyBuffer();
    }

    /** Shifts, edge-major (a, b, c). */
    public IntBuffer shiftBuffer() {
        return IntBuffer.wrap(shifts).asReadOnlyBuffer();
    }

    /** Edge vectors, edge-major (x, y, z). */
    public DoubleBuffer vectorBuffer() {
        return DoubleBuffer.wrap(vectors).asReadOnlyBuffer();
    }

    public DoubleBuffer lengthBuffer() {
        return DoubleBuffer.wrap(lengths).asReadOnlyBuffer();
    }

    /** Edge vectors, edge-major (a copy), the input of spherical harmonics. */
    public double[] vectors() {
        return vectors.clone();
    }

    /** Edge lengths (a copy), the input of radial bases. */
    public double[] lengths() {
        return lengths.clone();
    }

    @Override
    public String toString() {
        return "EdgeList[structure " + structureId + ", " + nodeCount + " nodes, " + receivers.length + " edges, cutoff "
                + cutoff + "]";
    }
}
