package org.e3spark.arrow;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.arrow.memory.BufferAllocator;
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
            root.allocateNew();
            BigIntVector ids = (BigIntVector) root.getVector(0);
            int s = structureIds.length;
            for (int k = 0; k < s; k++) {
                ids.setSafe(k, structureIds[k]);
            }
            for (int col = 0; col < columns.size(); col++) {
                ResultColumn c = columns.get(col);
                ListVector list = (ListVector) root.getVector(col + 1);
                Float8Vector data = (Float8Vector) list.getDataVector();
                double[] v = c.values();
                for (int k = 0; k < s; k++) {
                    int from = c.scope() == ResultColumn.Scope.ATOM ? nodeOffsets[k] * c.width() : k * c.width();
                    int to = c.scope() == ResultColumn.Scope.ATOM ? nodeOffsets[k + 1] * c.width() : (k + 1) * c.width();
                    int start = list.startNewValue(k);
                    for (int q = from; q < to; q++) {
                        data.setSafe(start + q - from, v[q]);
                    }
                    list.endValue(k, to - from);
                }
            }
            root.setRowCount(s);
            return root;
        } catch (RuntimeException e) {
            root.close();
            throw e;
        }
    }
}
