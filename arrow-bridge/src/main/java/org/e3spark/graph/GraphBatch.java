package org.e3spark.graph;

import java.nio.DoubleBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.List;
import org.e3spark.data.Structure;

/**
 * Many structures packed into one disjoint graph. Nodes of structure s are
 * {@code nodeOffset(s) .. nodeOffset(s+1)-1}, its edges {@code edgeOffset(s) .. edgeOffset(s+1)-1};
 * receivers and senders are batch-global node indices; {@code structureIndex(node)} is the
 * structure (0..S-1 in this batch) of every node, for pooling. Per-edge values as in
 * {@link EdgeList}; per-edge features when the batcher computed them. Results computed on the
 * batch are split back with {@link #unpackNodes} or pooled with {@link #sumNodes}. Immutable; bulk
 * access through read-only buffers sharing the arrays.
 */
public final class GraphBatch {

    /** Bytes per node and per edge of the arrays (features excluded). */
    public static final int NODE_BYTES = 4 + 24 + 4;
    public static final int EDGE_BYTES = 4 + 4 + 12 + 24 + 8;

    private final long[] structureIds;
    private final int[] nodeOffsets;
    private final int[] edgeOffsets;
    private final int[] numbers;
    private final double[] positions;
    private final double[] cells;
    private final boolean[] pbc;
    private final int[] structureIndex;
    private final int[] receivers;
    private final int[] senders;
    private final int[] shifts;
    private final double[] vectors;
    private final double[] lengths;
    private final EdgeFeatures.Values features;

    private GraphBatch(long[] structureIds, int[] nodeOffsets, int[] edgeOffsets, int[] numbers, double[] positions,
                       double[] cells, boolean[] pbc, int[] structureIndex, int[] receivers, int[] senders, int[] shifts,
                       double[] vectors, double[] lengths, EdgeFeatures.Values features) {
        this.structureIds = structureIds;
        this.nodeOffsets = nodeOffsets;
        this.edgeOffsets = edgeOffsets;
        this.numbers = numbers;
        this.positions = positions;
        this.cells = cells;
        this.pbc = pbc;
        this.structureIndex = structureIndex;
        this.receivers = receivers;
        this.senders = senders;
        this.shifts = shifts;
        this.vectors = vectors;
        this.lengths = lengths;
        this.features = features;
    }

    /** Packs structures with their graphs (same order, same count), computing features if asked. */
    public static GraphBatch pack(List<Structure> structures, List<EdgeList> graphs, EdgeFeatures featuresOrNull) {
        int s = structures.size();
        if (graphs.size() != s || s == 0) {
            throw new IllegalArgumentException("need one graph per structure and at least one structure, got "
                    + s + " structures and " + graphs.size() + " graphs");
        }
        long[] ids = new long[s];
        int[] nodeOff = new int[s + 1];
        int[] edgeOff = new int[s + 1];
        for (int k = 0; k < s; k++) {
            Structure st = structures.get(k);
            EdgeList g = graphs.get(k);
            if (g.structureId() != st.id() || g.nodeCount() != st.atomCount()) {
                throw new IllegalArgumentException("graph " + k + " (structure " + g.structureId() + ", " + g.nodeCount()
                        + " nodes) does not belong to structure " + st.id() + " (" + st.atomCount() + " atoms)");
            }
            ids[k] = st.id();
            nodeOff[k + 1] = Math.addExact(nodeOff[k], st.atomCount());
            edgeOff[k + 1] = Math.addExact(edgeOff[k], g.edgeCount());
        }
        int n = nodeOff[s];
        int e = edgeOff[s];
        int[] numbers = new int[n];
        double[] positions = new double[3 * n];
        double[] cells = new double[9 * s];
        boolean[] pbc = new boolean[3 * s];
        int[] index = new int[n];
        int[] recv = new int[e];
        int[] send = new int[e];
        int[] shifts = new int[3 * e];
        double[] vectors = new double[3 * e];
        double[] lengths = new double[e];
        for (int k = 0; k < s; k++) {
            Structure st = structures.get(k);
            EdgeList g = graphs.get(k);
            int no = nodeOff[k];
            int eo = edgeOff[k];
            System.arraycopy(st.numbers(), 0, numbers, no, st.atomCount());
            System.arraycopy(st.positions(), 0, positions, 3 * no, 3 * st.atomCount());
            java.util.Arrays.fill(index, no, nodeOff[k + 1], k);
            if (st.cell().isPresent()) {
                System.arraycopy(st.cell().get().rows(), 0, cells, 9 * k, 9);
                System.arraycopy(st.cell().get().pbc(), 0, pbc, 3 * k, 3);
            }
            IntBuffer r = g.receiverBuffer();
            IntBuffer sd = g.senderBuffer();
            for (int q = 0; q < g.edgeCount(); q++) {
                recv[eo + q] = r.get(q) + no;
                send[eo + q] = sd.get(q) + no;
            }
            g.shiftBuffer().get(shifts, 3 * eo, 3 * g.edgeCount());
            g.vectorBuffer().get(vectors, 3 * eo, 3 * g.edgeCount());
            g.lengthBuffer().get(lengths, eo, g.edgeCount());
        }
        EdgeFeatures.Values f = featuresOrNull == null ? null : featuresOrNull.compute(vectors, lengths);
        return new GraphBatch(ids, nodeOff, edgeOff, numbers, positions, cells, pbc, index, recv, send, shifts, vectors,
                lengths, f);
    }

    /** The byte estimate budgets use: arrays plus features of (shDim + radialDim) doubles per edge. */
    public static long bytesFor(long nodes, long edges, long structures, int featureDoublesPerEdge) {
        return nodes * NODE_BYTES + edges * (EDGE_BYTES + 8L * featureDoublesPerEdge) + structures * (8 + 8 + 72 + 3);
    }

    public long bytes() {
        int fd = features == null ? 0 : features.shDim() + features.radialDim();
        return bytesFor(nodeCount(), edgeCount(), structureCount(), fd);
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

    public long structureId(int s) {
        return structureIds[s];
    }

    public int nodeOffset(int s) {
        return nodeOffsets[s];
    }

    public int edgeOffset(int s) {
        return edgeOffsets[s];
    }

    public int structureIndex(int node) {
        return structureIndex[node];
    }

    public LongBuffer structureIdBuffer() {
        return LongBuffer.wrap(structureIds).asReadOnlyBuffer();
    }

    /** S + 1 offsets, the last one the node count. */
    public IntBuffer nodeOffsetBuffer() {
        return IntBuffer.wrap(nodeOffsets).asReadOnlyBuffer();
    }

    /** S + 1 offsets, the last one the edge count. */
    public IntBuffer edgeOffsetBuffer() {
        return IntBuffer.wrap(edgeOffsets).asReadOnlyBuffer();
    }

    public IntBuffer numberBuffer() {
        return IntBuffer.wrap(numbers).asReadOnlyBuffer();
    }

    public DoubleBuffer positionBuffer() {
        return DoubleBuffer.wrap(positions).asReadOnlyBuffer();
    }

    /** 9 values per structure (zeros without a cell). */
    public DoubleBuffer cellBuffer() {
        return DoubleBuffer.wrap(cells).asReadOnlyBuffer();
    }

    /** Periodic flag of axis {@code axis} of structure s. */
    public boolean pbc(int s, int axis) {
        return pbc[3 * s + axis];
    }

    public IntBuffer structureIndexBuffer() {
        return IntBuffer.wrap(structureIndex).asReadOnlyBuffer();
    }

    public IntBuffer receiverBuffer() {
        return IntBuffer.wrap(receivers).asReadOnlyBuffer();
    }

    public IntBuffer senderBuffer() {
        return IntBuffer.wrap(senders).asReadOnlyBuffer();
    }

    public IntBuffer shiftBuffer() {
        return IntBuffer.wrap(shifts).asReadOnlyBuffer();
    }

    public DoubleBuffer vectorBuffer() {
        return DoubleBuffer.wrap(vectors).asReadOnlyBuffer();
    }

    public DoubleBuffer lengthBuffer() {
        return DoubleBuffer.wrap(lengths).asReadOnlyBuffer();
    }

    /** Per-edge features, or null when the batcher computed none. */
    public EdgeFeatures.Values features() {
        return features;
    }

    /** Splits a per-node result (N x width, node-major) into one array per structure. */
    public double[][] unpackNodes(double[] perNode, int width) {
        return unpack(perNode, width, nodeOffsets, "node");
    }

    /** Splits a per-edge result (E x width, edge-major) into one array per structure. */
    public double[][] unpackEdges(double[] perEdge, int width) {
        return unpack(perEdge, width, edgeOffsets, "edge");
    }

    private static double[][] unpack(double[] values, int width, int[] offsets, String what) {
        int s = offsets.length - 1;
        if (width < 1 || values.length != (long) offsets[s] * width) {
            throw new IllegalArgumentException("per-" + what + " result has " + values.length + " values; expected "
                    + offsets[s] + " " + what + "s x " + width);
        }
        double[][] out = new double[s][];
        for (int k = 0; k < s; k++) {
            out[k] = java.util.Arrays.copyOfRange(values, offsets[k] * width, offsets[k + 1] * width);
        }
        return out;
    }

    /** Sums a per-node result over each structure's nodes (sum pooling): S x width. */
    public double[] sumNodes(double[] perNode, int width) {
        if (width < 1 || perNode.length != (long) nodeCount() * width) {
            throw new IllegalArgumentException("per-node result has " + perNode.length + " values; expected "
                    + nodeCount() + " nodes x " + width);
        }
        double[] out = new double[structureCount() * width];
        for (int i = 0; i < nodeCount(); i++) {
            int s = structureIndex[i];
            for (int c = 0; c < width; c++) {
                out[s * width + c] += perNode[i * width + c];
            }
        }
        return out;
    }
}
