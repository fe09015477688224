package org.e3spark.model;

import java.lang.foreign.ValueLayout;
import org.e3spark.arrow.ArrowGraphBatch;
import org.e3spark.graph.GraphBatch;

/**
 * What a featurizer reads from a batch of structures packed into one disjoint graph: S structure
 * ids with node offsets (S + 1), N atomic numbers, and E directed edges (receiver i, sender j,
 * edge vector D = x_j - x_i + S·cell, |D|) in {@link org.e3spark.graph.EdgeList}'s convention.
 * Built from a {@link GraphBatch} on the heap or from an {@link ArrowGraphBatch} in Arrow memory
 * (copied out of the zero-copy views, which stay valid only while the Arrow batch is open).
 */
public record BatchInput(long[] structureIds, int[] nodeOffsets, int[] numbers, int[] receivers, int[] senders,
                         double[] vectors, double[] lengths) {

    public BatchInput {
        int s = structureIds.length;
        int n = numbers.length;
        int e = receivers.length;
        if (nodeOffsets.length != s + 1 || nodeOffsets[0] != 0 || nodeOffsets[s] != n) {
            throw new IllegalArgumentException("node offsets must run from 0 to " + n + " over " + s + " structures");
        }
        if (senders.length != e || vectors.length != 3 * e || lengths.length != e) {
            throw new IllegalArgumentException("edge arrays disagree on the edge count " + e);
        }
    }

    public static BatchInput of(GraphBatch b) {
        long[] ids = new long[b.structureCount()];
        b.structureIdBuffer().get(ids);
        int[] off = new int[b.structureCount() + 1];
        b.nodeOffsetBuffer().get(off);
        int[] z = new int[b.nodeCount()];
        b.numberBuffer().get(z);
        int[] r = new int[b.edgeCount()];
        b.receiverBuffer().get(r);
        int[] s = new int[b.edgeCount()];
        b.senderBuffer().get(s);
        double[] v = new double[3 * b.edgeCount()];
        b.vectorBuffer().get(v);
        double[] len = new double[b.edgeCount()];
        b.lengthBuffer().get(len);
        return new BatchInput(ids, off, z, r, s, v, len);
    }

    /** Copies the columns a featurizer needs out of Arrow memory. */
    public static BatchInput of(ArrowGraphBatch b) {
        return new BatchInput(
                b.segment(ArrowGraphBatch.Column.STRUCTURE_IDS).toArray(ValueLayout.JAVA_LONG),
                b.segment(ArrowGraphBatch.Column.NODE_OFFSETS).toArray(ValueLayout.JAVA_INT),
                b.segment(ArrowGraphBatch.Column.NUMBERS).toArray(ValueLayout.JAVA_INT),
                b.segment(ArrowGraphBatch.Column.RECEIVERS).toArray(ValueLayout.JAVA_INT),
                b.segment(ArrowGraphBatch.Column.SENDERS).toArray(ValueLayout.JAVA_INT),
                b.segment(ArrowGraphBatch.Column.VECTORS).toArray(ValueLayout.JAVA_DOUBLE),
                b.segment(ArrowGraphBatch.Column.LENGTHS).toArray(ValueLayout.JAVA_DOUBLE));
    }

    public int structureCount() {
        return structureIds.length;
    }

    public int nodeCount() {
        return numbers.length;
    }

    public int edgeCount() {
        return receivers.length;
    }
}
