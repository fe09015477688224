package org.e3spark.arrow;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.types.pojo.Schema;
import org.e3spark.data.Property;
import org.e3spark.data.Structure;

/**
 * The structure table (Arrow, Parquet, Spark), one row per structure, only types Spark maps
 * (lists, never fixed-size lists; list children are named {@code element} as Spark names them):
 * <pre>
 *   structure_id  int64 (not null)
 *   numbers       list&lt;int32&gt;   atomic numbers, N
 *   positions     list&lt;float64&gt; Cartesian Å, 3N, atom-major x y z
 *   cell          list&lt;float64&gt; 9, rows a b c (null: no cell)
 *   pbc           list&lt;bool&gt;    3 (null: no cell)
 *   ...           pass-through columns, nullable: float64, int64, utf8, bool scalars; list&lt;float64 |
 *                 int64 | bool | utf8&gt; arrays; per-atom arrays (forces ...) carry the field
 *                 metadata {@value #PER_ATOM_KEY}=true
 * </pre>
 * Readers also accept any integer width for ids and numbers, float32 for coordinates, and
 * fixed-size lists, as other tools write them.
 */
public final class StructureSchema {

    public static final String STRUCTURE_ID = "structure_id";
    public static final String NUMBERS = "numbers";
    public static final String POSITIONS = "positions";
    public static final String CELL = "cell";
    public static final String PBC = "pbc";
    /** Field metadata key marking a per-atom pass-through column. */
    public static final String PER_ATOM_KEY = "e3spark.per_atom";
    /** Name of list children, as Spark writes them. */
    public static final String ELEMENT = "element";

    static final ArrowType INT32 = new ArrowType.Int(32, true);
    static final ArrowType INT64 = new ArrowType.Int(64, true);
    static final ArrowType FLOAT64 = new ArrowType.FloatingPoint(FloatingPointPrecision.DOUBLE);
    static final ArrowType BOOL = ArrowType.Bool.INSTANCE;
    static final ArrowType UTF8 = ArrowType.Utf8.INSTANCE;

    private StructureSchema() {
    }

    static Field list(String name, boolean nullable, ArrowType element, Map<String, String> metadata) {
        return new Field(name, new FieldType(nullable, ArrowType.List.INSTANCE, null, metadata),
                List.of(new Field(ELEMENT, FieldType.notNullable(element), null)));
    }

    /** The kind of a pass-through column. */
    enum Kind {
        REAL(FLOAT64, false), INT(INT64, false), TEXT(UTF8, false), BOOL(StructureSchema.BOOL, false),
        REALS(FLOAT64, true), INTS(INT64, true), TEXTS(UTF8, true), BOOLS(StructureSchema.BOOL, true);

        final ArrowType type;
        final boolean list;

        Kind(ArrowType type, boolean list) {
            this.type = type;
            this.list = list;
        }

        static Kind of(Property p) {
            return switch (p) {
                case Property.Real r -> REAL;
                case Property.Int i -> INT;
                case Property.Text t -> TEXT;
                case Property.Bool b -> BOOL;
                case Property.Reals r -> REALS;
                case Property.Ints i -> INTS;
                case Property.Texts t -> TEXTS;
                case Property.Bools b -> BOOLS;
            };
        }

        /** The common kind of two structures' values of one column (ints widen to reals), or null. */
        static Kind join(Kind a, Kind b) {
            if (a == b) {
                return a;
            }
            if ((a == INT && b == REAL) || (a == REAL && b == INT)) {
                return REAL;
            }
            if ((a == INTS && b == REALS) || (a == REALS && b == INTS)) {
                return REALS;
            }
            return null;
        }
    }

    /** A pass-through column: name, kind, per atom or per structure. */
    record Column(String name, Kind kind, boolean perAtom) {
        Field field() {
            Map<String, String> meta = perAtom ? Map.of(PER_ATOM_KEY, "true") : null;
            return kind.list ? list(name, true, kind.type, meta) : new Field(name, new FieldType(true, kind.type, null, meta), null);
        }
    }

    /** Pass-through columns of a set of structures, in first-seen order; throws on conflicting types. */
    static List<Column> columns(List<Structure> structures) {
        Map<String, Column> out = new LinkedHashMap<>();
        for (Structure s : structures) {
            add(out, s.info(), false, s.id());
            add(out, s.arrays(), true, s.id());
        }
        return new ArrayList<>(out.values());
    }

    private static void add(Map<String, Column> out, Map<String, Property> props, boolean perAtom, long id) {
        for (Map.Entry<String, Property> e : props.entrySet()) {
            String name = e.getKey();
            if (name.equals(STRUCTURE_ID) || name.equals(NUMBERS) || name.equals(POSITIONS) || name.equals(CELL)
                    || name.equals(PBC)) {
                throw new IllegalArgumentException("structure " + id + ": property '" + name
                        + "' clashes with a structure column");
            }
            Kind kind = Kind.of(e.getValue());
            Column old = out.get(name);
            if (old == null) {
                out.put(name, new Column(name, kind, perAtom));
                continue;
            }
            Kind joined = Kind.join(old.kind(), kind);
            if (joined == null || old.perAtom() != perAtom) {
                throw new IllegalArgumentException("property '" + name + "' is " + describe(old.kind(), old.perAtom())
                        + " in an earlier structure but " + describe(kind, perAtom) + " in structure " + id);
            }
            out.put(name, new Column(name, joined, perAtom));
        }
    }

    private static String describe(Kind k, boolean perAtom) {
        return k.name().toLowerCase() + (perAtom ? " per atom" : "");
    }

    /** The table schema for these structures' pass-through columns. */
    public static Schema schema(List<Structure> structures) {
        return schemaOf(columns(structures));
    }

    static Schema schemaOf(List<Column> passThrough) {
        List<Field> fields = new ArrayList<>();
        fields.add(new Field(STRUCTURE_ID, FieldType.notNullable(INT64), null));
        fields.add(list(NUMBERS, false, INT32, null));
        fields.add(list(POSITIONS, false, FLOAT64, null));
        fields.add(list(CELL, true, FLOAT64, null));
        fields.add(list(PBC, true, BOOL, null));
        for (Column c : passThrough) {
            fields.add(c.field());
        }
        return new Schema(fields);
    }
}
