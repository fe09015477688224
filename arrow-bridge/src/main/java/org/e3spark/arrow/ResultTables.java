package org.e3spark.arrow;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.nio.ByteOrder;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BitVectorHelper;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.e3spark.graph.GraphBatch;

/**
 * Results out, one row per structure of a batch, in types Spark maps: {@code structure_id int64}
 * and one {@code list<float64>} per {@link ResultColumn} (per-atom columns hold atoms x width
 * values, atom-major; per-structure columns width values). Rows join the structure table on
 * structure_id.
 */
public final class ResultTables {

    private ResultTables() {
    }

    /** A new result table in {@code allocator}; the caller closes it. */
    public static VectorSchemaRoot allocate(BufferAllocator allocator, GraphBatch batch, List<ResultColumn> columns) {
        long[] ids = new long[batch.structureCount()];
        int[] offsets = new int[batch.structureCount() + 1];
        for (int k = 0; k < ids.length; k++) {
            ids[k] = batch.structureId(k);
            offsets[k + 1] = batch.nodeOffset(k + 1);
        }
        return allocate(allocator, ids, offsets, columns);
    }

    /**
     * One list column in bulk: row k holds {@code values[from_k .. to_k)}, where the rows tile the
     * array in order (per atom: from the node offsets, else {@code width} values per row). Offsets and
     * validity are written directly and the values copied as one block: the per-element path
     * (startNewValue/setSafe) cost more than the featurizer's kernels on a busy executor.
     */
    private static void fill(ListVector list, double[] values, int width, int[] nodeOffsets, int rows) {
        // the values vector sized once, with the list: rows x (values per row)
        list.setInitialCapacity(rows, rows == 0 ? 0 : (double) values.length / rows);
        list.allocateNew();
        ArrowBuf offsets = list.getOffsetBuffer();
        offsets.setInt(0, 0);
        for (int k = 0; k < rows; k++) {
            int end = nodeOffsets != null ? nodeOffsets[k + 1] * width : (k + 1) * width;
            offsets.setInt((long) (k + 1) * ListVector.OFFSET_WIDTH, end);
            BitVectorHelper.setBit(list.getValidityBuffer(), k);
        }
        Float8Vector data = (Float8Vector) list.getDataVector();
        if (data.getValueCapacity() < values.length) { // the density's rounding
            data.allocateNew(values.length);
        }
        data.getValidityBuffer().setOne(0L, (values.length + 7L) / 8);
        int chunk = 1 << 26; // doubles per NIO view (its length is an int of bytes)
        for (int from = 0; from < values.length; from += chunk) {
            int n = Math.min(chunk, values.length - from);
            data.getDataBuffer().nioBuffer((long) from * Float8Vector.TYPE_WIDTH, n * Float8Vector.TYPE_WIDTH)
                    .order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().put(values, from, n);
        }
        data.setValueCount(values.length);
        list.setLastSet(rows - 1);
        list.setValueCount(rows);
    }

    /** Row {@code row} of a {@code list<float64>} result column, copied out in one block. */
    public static double[] rowValues(ListVector column, int row) {
        int from = column.getElementStartIndex(row);
        double[] out = new double[column.getElementEndIndex(row) - from];
        Float8Vector data = (Float8Vector) column.getDataVector();
        data.getDataBuffer().nioBuffer((long) from * Float8Vector.TYPE_WIDTH, out.length * Float8Vector.TYPE_WIDTH)
                .order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(out);
        return out;
    }

    /**
     * The same for a batch known by its structure ids and node offsets (S + 1, from 0): for results
     * of batches that never had a host graph (radius graphs searched on the GPU).
     */
    public static VectorSchemaRoot allocate(BufferAllocator allocator, long[] structureIds, int[] nodeOffsets,
                                            List<ResultColumn> columns) {
        if (nodeOffsets.length != structureIds.length + 1 || nodeOffsets[0] != 0) {
            throw new IllegalArgumentException("node offsets must run from 0 over " + structureIds.length
                    + " structures, got " + nodeOffsets.length + " offsets");
        }
        int nodeCount = nodeOffsets[structureIds.length];
        List<Field> fields = new ArrayList<>();
        fields.add(new Field(StructureSchema.STRUCTURE_ID, FieldType.notNullable(StructureSchema.INT64), null));
        Set<String> names = new HashSet<>(Set.of(StructureSchema.STRUCTURE_ID));
        for (ResultColumn c : columns) {
            if (!names.add(c.name())) {
                throw new IllegalArgumentException("result column name '" + c.name() + "' is used twice");
            }
            long rows = c.scope() == ResultColumn.Scope.ATOM ? nodeCount : structureIds.length;
            if (c.values().length != rows * c.width()) {
                throw new IllegalArgumentException("result column " + c.name() + " has " + c.values().length
                        + " values; the batch needs " + rows + " " + c.scope().name().toLowerCase() + "s x " + c.width());
            }
            fields.add(StructureSchema.list(c.name(), false, StructureSchema.FLOAT64, null));
        }
        VectorSchemaRoot root = VectorSchemaRoot.create(new Schema(fields), allocator);
        try {
            int s = structureIds.length;
            BigIntVector ids = (BigIntVector) root.getVector(0);
            ids.allocateNew(s);
            for (int k = 0; k < s; k++) {
                ids.set(k, structureIds[k]);
            }
            ids.setValueCount(s);
            for (int col = 0; col < columns.size(); col++) {
                ResultColumn c = columns.get(col);
                boolean perAtom = c.scope() == ResultColumn.Scope.ATOM;
                fill((ListVector) root.getVector(col + 1), c.values(), c.width(), perAtom ? nodeOffsets : null, s);
            }
            root.setRowCount(s);
            return root;
        } catch (RuntimeException e) {
            root.close();
            throw e;
        }
    }
}
