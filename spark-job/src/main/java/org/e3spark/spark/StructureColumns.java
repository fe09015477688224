package org.e3spark.spark;

import java.io.Serializable;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.StructType;
import org.e3spark.data.Cell;
import org.e3spark.data.InvalidStructureException;
import org.e3spark.data.Structure;

/**
 * Where the structure columns are in a row (arrow-bridge's structure schema: id, numbers,
 * positions, cell, pbc; names configurable) and how a row becomes a {@link Structure}. Types are
 * checked once against the schema (integer ids and numbers of any width, float or double
 * coordinates); a row whose values cannot make a structure throws
 * {@link InvalidStructureException} naming what is wrong.
 */
public record StructureColumns(String idName, int id, int numbers, int positions, int cell, int pbc)
        implements Serializable {

    /** Locates and type-checks the columns; cell and pbc are optional (-1 when absent). */
    public static StructureColumns of(StructType schema, String idCol, String numbersCol, String positionsCol,
                                      String cellCol, String pbcCol) {
        int id = require(schema, idCol, "an integer column");
        if (!isInteger(schema.fields()[id].dataType())) {
            throw new IllegalArgumentException("column " + idCol + " must be an integer type, is "
                    + schema.fields()[id].dataType().simpleString());
        }
        int numbers = require(schema, numbersCol, "array<int>");
        checkArray(schema, numbers, true);
        int positions = require(schema, positionsCol, "array<double>");
        checkArray(schema, positions, false);
        int cell = index(schema, cellCol);
        if (cell >= 0) {
            checkArray(schema, cell, false);
        }
        int pbc = index(schema, pbcCol);
        if (pbc >= 0 && !(schema.fields()[pbc].dataType() instanceof ArrayType a && a.elementType() instanceof BooleanType)) {
            throw new IllegalArgumentException("column " + pbcCol + " must be array<boolean>, is "
                    + schema.fields()[pbc].dataType().simpleString());
        }
        return new StructureColumns(idCol, id, numbers, positions, cell, pbc);
    }

    /** Whether column i holds structure geometry (not passed through to the output). */
    public boolean isGeometry(int i) {
        return i == numbers || i == positions || i == cell || i == pbc;
    }

    /** The row's id, or null when the id is null. */
    public Long idOf(Row row) {
        return row.isNullAt(id) ? null : ((Number) row.get(id)).longValue();
    }

    public Structure toStructure(Row row) {
        Long sid = idOf(row);
        if (sid == null) {
            throw new InvalidStructureException(idName + " is null");
        }
        if (row.isNullAt(numbers) || row.isNullAt(positions)) {
            throw new InvalidStructureException("structure " + sid + ": numbers or positions is null");
        }
        List<Object> z = row.getList(numbers);
        int[] zs = new int[z.size()];
        for (int i = 0; i < zs.length; i++) {
            Object v = z.get(i);
            if (v == null) {
                throw new InvalidStructureException("structure " + sid + ": atomic number " + i + " is null");
            }
            long z64 = ((Number) v).longValue();
            if (z64 != (int) z64) {
                // narrowing would read 4294967297 as 1 (H): refuse the value as written
                throw new InvalidStructureException("structure " + sid + ": atomic number " + i + " is " + z64
                        + ", out of range");
            }
            zs[i] = (int) z64;
        }
        double[] pos = doubles(row, positions, sid, "positions");
        // one rule with the Arrow reader (Cell.fromColumns): a null pbc flag, or a periodic pbc without a cell, is refused
        double[] rows = cell >= 0 && !row.isNullAt(cell) ? doubles(row, cell, sid, "cell") : null;
        Boolean[] flags = null;
        if (pbc >= 0 && !row.isNullAt(pbc)) {
            List<Object> p = row.getList(pbc);
            flags = new Boolean[p.size()];
            for (int k = 0; k < flags.length; k++) {
                flags[k] = (Boolean) p.get(k);
            }
        }
        Cell c;
        try {
            c = Cell.fromColumns(rows, flags);
        } catch (IllegalArgumentException e) {
            throw new InvalidStructureException("structure " + sid + ": " + e.getMessage(), e);
        }
        return new Structure(sid, zs, pos, c);
    }

    private static double[] doubles(Row row, int col, long sid, String what) {
        List<Object> v = row.getList(col);
        double[] out = new double[v.size()];
        for (int i = 0; i < out.length; i++) {
            Object x = v.get(i);
            if (x == null) {
                throw new InvalidStructureException("structure " + sid + ": " + what + "[" + i + "] is null");
            }
            out[i] = ((Number) x).doubleValue();
        }
        return out;
    }

    private static int index(StructType schema, String name) {
        if (name == null || name.isEmpty()) {
            return -1;
        }
        for (int i = 0; i < schema.fields().length; i++) {
            if (schema.fields()[i].name().equals(name)) {
                return i;
            }
        }
        return -1;
    }

    private static int require(StructType schema, String name, String type) {
        int i = index(schema, name);
        if (i < 0) {
            throw new IllegalArgumentException("input has no column '" + name + "' (" + type + "); columns: "
                    + String.join(", ", schema.fieldNames()));
        }
        return i;
    }

    private static boolean isInteger(DataType t) {
        return t instanceof IntegerType || t instanceof LongType || t instanceof ShortType || t instanceof ByteType;
    }

    private static void checkArray(StructType schema, int i, boolean integer) {
        DataType t = schema.fields()[i].dataType();
        boolean ok = t instanceof ArrayType a && (integer ? isInteger(a.elementType())
                : a.elementType() instanceof DoubleType || a.elementType() instanceof FloatType);
        if (!ok) {
            throw new IllegalArgumentException("column " + schema.fields()[i].name() + " must be "
                    + (integer ? "array<int>" : "array<double>") + ", is " + t.simpleString());
        }
    }
}
