package org.e3spark.arrow;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.FloatingPointVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.BaseListVector;
import org.apache.arrow.vector.complex.ListVector;
import org.e3spark.data.Cell;
import org.e3spark.data.ErrorPolicy;
import org.e3spark.data.InvalidStructureException;
import org.e3spark.data.Property;
import org.e3spark.data.SkipLog;
import org.e3spark.data.Structure;

/**
 * Structures to and from Arrow structure tables ({@link StructureSchema}).
 * {@link #allocateTable} allocates a root the caller owns and must close; {@link #read} borrows a
 * root and copies what it needs, so the root may be closed right after.
 */
public final class StructureTables {

    private StructureTables() {
    }

    /** A new table of these structures in {@code allocator}; the caller closes it. */
    public static VectorSchemaRoot allocateTable(BufferAllocator allocator, List<Structure> structures) {
        return allocateTable(allocator, structures, StructureSchema.columns(structures));
    }

    /** As above with a given set of pass-through columns (a superset of the structures' own). */
    static VectorSchemaRoot allocateTable(BufferAllocator allocator, List<Structure> structures,
                                          List<StructureSchema.Column> columns) {
        VectorSchemaRoot root = VectorSchemaRoot.create(StructureSchema.schemaOf(columns), allocator);
        try {
            root.allocateNew();
            BigIntVector ids = (BigIntVector) root.getVector(StructureSchema.STRUCTURE_ID);
            ListVector numbers = (ListVector) root.getVector(StructureSchema.NUMBERS);
            ListVector positions = (ListVector) root.getVector(StructureSchema.POSITIONS);
            ListVector cells = (ListVector) root.getVector(StructureSchema.CELL);
            ListVector pbcs = (ListVector) root.getVector(StructureSchema.PBC);
            for (int row = 0; row < structures.size(); row++) {
                Structure s = structures.get(row);
                ids.setSafe(row, s.id());
                Lists.writeInts(numbers, row, s.numbers());
                Lists.writeDoubles(positions, row, s.positions());
                if (s.cell().isPresent()) {
                    Lists.writeDoubles(cells, row, s.cell().get().rows());
                    Lists.writeBools(pbcs, row, s.cell().get().pbc());
                } else {
                    cells.setNull(row);
                    pbcs.setNull(row);
                }
                for (StructureSchema.Column c : columns) {
                    Property p = (c.perAtom() ? s.arrays() : s.info()).get(c.name());
                    writeProperty(root.getVector(c.name()), row, c.kind(), p);
                }
            }
            root.setRowCount(structures.size());
            return root;
        } catch (RuntimeException e) {
            root.close();
            throw e;
        }
    }

    private static void writeProperty(FieldVector v, int row, StructureSchema.Kind kind, Property p) {
        if (p == null) {
            if (v instanceof ListVector l) {
                l.setNull(row);
            } else {
                v.setNull(row);
            }
            return;
        }
        switch (kind) {
            case REAL -> ((Float8Vector) v).setSafe(row, p instanceof Property.Int i ? i.value() : ((Property.Real) p).value());
            case INT -> ((BigIntVector) v).setSafe(row, ((Property.Int) p).value());
            case TEXT -> ((VarCharVector) v).setSafe(row, ((Property.Text) p).value().getBytes(StandardCharsets.UTF_8));
            case BOOL -> ((BitVector) v).setSafe(row, ((Property.Bool) p).value() ? 1 : 0);
            case REALS -> {
                double[] d;
                if (p instanceof Property.Ints i) {
                    long[] l = i.values();
                    d = new double[l.length];
                    for (int k = 0; k < l.length; k++) {
                        d[k] = l[k];
                    }
                } else {
                    d = ((Property.Reals) p).values();
                }
                Lists.writeDoubles((ListVector) v, row, d);
            }
            case INTS -> Lists.writeLongs((ListVector) v, row, ((Property.Ints) p).values());
            case TEXTS -> Lists.writeTexts((ListVector) v, row, ((Property.Texts) p).values());
            case BOOLS -> Lists.writeBools((ListVector) v, row, ((Property.Bools) p).values());
        }
    }

    /**
     * The structures of a table (any batch of a file, stream or Spark partition). Rows that do not
     * make a valid structure (null or mismatched columns, NaN positions, singular periodic cells)
     * go to the policy: thrown, or skipped and counted in {@code skipped}. A table without the
     * required columns, or with a pass-through column of an unsupported type, is an
     * IllegalArgumentException.
     */
    public static List<Structure> read(VectorSchemaRoot root, ErrorPolicy policy, SkipLog skipped) {
        return read(root, policy, skipped, null);
    }

    /**
     * As above; {@code whereOrNull} (file and record batch) prefixes each skipped row's reason, so
     * that rows of different batches with the same row index stay distinguishable.
     */
    public static List<Structure> read(VectorSchemaRoot root, ErrorPolicy policy, SkipLog skipped, String whereOrNull) {
        String where = whereOrNull == null ? "" : whereOrNull + ", ";
        FieldVector ids = required(root, StructureSchema.STRUCTURE_ID);
        FieldVector numbers = required(root, StructureSchema.NUMBERS);
        FieldVector positions = required(root, StructureSchema.POSITIONS);
        FieldVector cells = root.getVector(StructureSchema.CELL);
        FieldVector pbcs = root.getVector(StructureSchema.PBC);
        List<FieldVector> passThrough = new ArrayList<>();
        for (FieldVector v : root.getFieldVectors()) {
            String name = v.getName();
            if (!name.equals(StructureSchema.STRUCTURE_ID) && !name.equals(StructureSchema.NUMBERS)
                    && !name.equals(StructureSchema.POSITIONS) && !name.equals(StructureSchema.CELL)
                    && !name.equals(StructureSchema.PBC)) {
                Lists.checkSupported(v);
                passThrough.add(v);
            }
        }
        List<Structure> out = new ArrayList<>(root.getRowCount());
        for (int row = 0; row < root.getRowCount(); row++) {
            // null until the row's own id is read: a row without one is reported by its row index only,
            // never under a number that may be another row's id
            Long id = null;
            try {
                if (ids.isNull(row)) {
                    throw new InvalidStructureException("structure_id is null");
                }
                id = ((BaseIntVector) ids).getValueAsLong(row);
                int[] z = Lists.readInts(numbers, row, StructureSchema.NUMBERS);
                double[] x = Lists.readDoubles(positions, row, StructureSchema.POSITIONS);
                double[] rows = cells != null && !cells.isNull(row)
                        ? Lists.readDoubles(cells, row, StructureSchema.CELL) : null;
                Boolean[] pbc = pbcs != null && !pbcs.isNull(row) ? Lists.readFlags(pbcs, row) : null;
                Cell cell = Cell.fromColumns(rows, pbc);
                Map<String, Property> info = new LinkedHashMap<>();
                Map<String, Property> arrays = new LinkedHashMap<>();
                for (FieldVector v : passThrough) {
                    Property p = Lists.readProperty(v, row);
                    if (p != null) {
                        boolean perAtom = "true".equals(v.getField().getMetadata().get(StructureSchema.PER_ATOM_KEY));
                        (perAtom ? arrays : info).put(v.getName(), p);
                    }
                }
                out.add(new Structure(id, z, x, cell, info, arrays));
            } catch (InvalidStructureException e) {
                String msg = e.getMessage().startsWith("structure ") || id == null ? e.getMessage()
                        : "structure " + id + ": " + e.getMessage();
                skipped.handle(policy, id, new InvalidStructureException(where + "table row " + row + ": " + msg, e));
            }
        }
        return out;
    }

    private static FieldVector required(VectorSchemaRoot root, String name) {
        FieldVector v = root.getVector(name);
        if (v == null) {
            throw new IllegalArgumentException("structure table has no '" + name + "' column; columns: "
                    + root.getSchema().getFields().stream().map(f -> f.getName()).toList());
        }
        boolean ok = switch (name) {
            case StructureSchema.STRUCTURE_ID -> v instanceof BaseIntVector;
            case StructureSchema.NUMBERS -> v instanceof BaseListVector l && Lists.child(l) instanceof BaseIntVector;
            default -> v instanceof BaseListVector l && Lists.child(l) instanceof FloatingPointVector;
        };
        if (!ok) {
            throw new IllegalArgumentException("column '" + name + "' has type " + v.getField().getType()
                    + (v instanceof BaseListVector l ? "<" + Lists.child(l).getField().getType() + ">" : "")
                    + "; see StructureSchema for the expected types");
        }
        return v;
    }
}
