package org.e3spark.arrow;

import java.lang.foreign.MemorySegment;
import java.nio.Buffer;
import java.nio.DoubleBuffer;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BaseFixedWidthVector;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.e3spark.graph.EdgeFeatures;
import org.e3spark.graph.GraphBatch;

/**
 * A {@link GraphBatch} copied into Arrow memory as flat, non-null, fixed-width vectors (one per
 * {@link Column}), in a child allocator of the task's allocator. This is the device-facing form:
 * {@link #segment} gives zero-copy {@link MemorySegment} views for host-to-device copies.
 * Owns its vectors and allocator: {@link #close()} frees them (closing twice is harmless; using a
 * closed batch throws). {@link #load} refills the same vectors with the next batch, reusing their
 * memory where it is large enough (a task streaming many batches allocates a few times, not once
 * per batch). Not thread-safe.
 */
public final class ArrowGraphBatch implements AutoCloseable {

    /** The columns, their element types and lengths (S structures, N nodes, E edges). */
    public enum Column {
        /** int64, S. */ STRUCTURE_IDS,
        /** int32, S + 1. */ NODE_OFFSETS,
        /** int32, S + 1. */ EDGE_OFFSETS,
        /** float64, 9 S, rows a b c (zeros without a cell). */ CELLS,
        /** int32, N. */ NUMBERS,
        /** float64, 3 N. */ POSITIONS,
        /** int32, N: structure of each node. */ STRUCTURE_INDEX,
        /** int32, E: batch-global node index. */ RECEIVERS,
        /** int32, E: batch-global node index. */ SENDERS,
        /** int32, 3 E. */ SHIFTS,
        /** float64, 3 E. */ VECTORS,
        /** float64, E. */ LENGTHS,
        /** float64, E x (lmax+1)^2 (absent without features). */ SH,
        /** float64, E x radial count (absent without features). */ RADIAL
    }

    private final BufferAllocator allocator;
    private final Map<Column, BaseFixedWidthVector> vectors = new EnumMap<>(Column.class);
    private int structures;
    private int nodes;
    private int edges;
    private boolean closed;

    private ArrowGraphBatch(BufferAllocator allocator) {
        this.allocator = allocator;
    }

    /** Allocates and fills the columns of {@code batch} in a child of {@code parent}; the caller closes it. */
    public static ArrowGraphBatch allocate(BufferAllocator parent, GraphBatch batch) {
        BufferAllocator child = parent.newChildAllocator("graph-batch", 0, parent.getLimit());
        ArrowGraphBatch out = new ArrowGraphBatch(child);
        try {
            out.load(batch);
            return out;
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
    }

    /**
     * Replaces the contents with {@code batch}, reusing each column's memory when it holds the new
     * values (growing it otherwise). Views from {@link #segment} taken before are invalid after.
     */
    public void load(GraphBatch batch) {
        checkOpen();
        BufferAllocator a = allocator;
        put(Column.STRUCTURE_IDS, () -> new BigIntVector("structure_ids", a), batch.structureIdBuffer());
        put(Column.NODE_OFFSETS, () -> new IntVector("node_offsets", a), batch.nodeOffsetBuffer());
        put(Column.EDGE_OFFSETS, () -> new IntVector("edge_offsets", a), batch.edgeOffsetBuffer());
        put(Column.CELLS, () -> new Float8Vector("cells", a), batch.cellBuffer());
        put(Column.NUMBERS, () -> new IntVector("numbers", a), batch.numberBuffer());
        put(Column.POSITIONS, () -> new Float8Vector("positions", a), batch.positionBuffer());
        put(Column.STRUCTURE_INDEX, () -> new IntVector("structure_index", a), batch.structureIndexBuffer());
        put(Column.RECEIVERS, () -> new IntVector("receivers", a), batch.receiverBuffer());
        put(Column.SENDERS, () -> new IntVector("senders", a), batch.senderBuffer());
        put(Column.SHIFTS, () -> new IntVector("shifts", a), batch.shiftBuffer());
        put(Column.VECTORS, () -> new Float8Vector("vectors", a), batch.vectorBuffer());
        put(Column.LENGTHS, () -> new Float8Vector("lengths", a), batch.lengthBuffer());
        EdgeFeatures.Values f = batch.features();
        if (f != null) {
            put(Column.SH, () -> new Float8Vector("sh", a), DoubleBuffer.wrap(f.sh()).asReadOnlyBuffer());
            put(Column.RADIAL, () -> new Float8Vector("radial", a), DoubleBuffer.wrap(f.radial()).asReadOnlyBuffer());
        } else {
            for (Column c : new Column[] {Column.SH, Column.RADIAL}) {
                BaseFixedWidthVector old = vectors.remove(c);
                if (old != null) {
                    old.close();
                }
            }
        }
        structures = batch.structureCount();
        nodes = batch.nodeCount();
        edges = batch.edgeCount();
    }

    private void put(Column c, Supplier<BaseFixedWidthVector> create, Buffer values) {
        BaseFixedWidthVector v = vectors.get(c);
        if (v == null) {
            v = create.get();
            vectors.put(c, v); // owned from here on, so close() frees it even if filling fails
        }
        int n = values.remaining();
        if (v.getValueCapacity() < n) {
            v.clear();
            v.allocateNew(n);
        }
        if (n > 0) {
            MemorySegment src = MemorySegment.ofBuffer(values);
            MemorySegment.copy(src, 0, MemorySegments.view(v.getDataBuffer(), src.byteSize()), 0, src.byteSize());
            v.getValidityBuffer().setOne(0L, (n + 7) / 8);
        }
        v.setValueCount(n);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("ArrowGraphBatch is closed");
        }
    }

    public int structureCount() {
        return structures;
    }

    public int nodeCount() {
        return nodes;
    }

    public int edgeCount() {
        return edges;
    }

    public boolean has(Column c) {
        checkOpen();
        return vectors.containsKey(c);
    }

    /** The vector of a column (borrowed: valid until this batch is closed). */
    public BaseFixedWidthVector vector(Column c) {
        checkOpen();
        BaseFixedWidthVector v = vectors.get(c);
        if (v == null) {
            throw new IllegalArgumentException("column " + c + " is absent (batch built without edge features)");
        }
        return v;
    }

    /** A zero-copy view of a column's values (borrowed: valid until this batch is closed). */
    public MemorySegment segment(Column c) {
        return MemorySegments.values(vector(c));
    }

    /** Bytes held in Arrow memory. */
    public long allocatedBytes() {
        checkOpen();
        return allocator.getAllocatedMemory();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            vectors.values().forEach(BaseFixedWidthVector::close);
            vectors.clear();
        } finally {
            allocator.close(); // throws if anything allocated here is still outstanding
        }
    }
}
