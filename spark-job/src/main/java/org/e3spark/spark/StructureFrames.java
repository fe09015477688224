package org.e3spark.spark;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.e3spark.data.Property;
import org.e3spark.data.Structure;

/**
 * Structures read on the driver (extxyz, Arrow IPC, generated) as a DataFrame in the structure
 * schema: {@code structure_id long, numbers array<int>, positions array<double>, cell
 * array<double>, pbc array<boolean>}, then every pass-through property (per frame, then per atom)
 * in first-seen order, as {@code double, long, string, boolean} or arrays of them (int and real
 * values of one property widen to double; other conflicts are errors naming the property).
 */
public final class StructureFrames {

    private StructureFrames() {
    }

    public static Dataset<Row> of(SparkSession spark, List<Structure> structures, int partitions) {
        StructType schema = schema(structures);
        List<Row> rows = new ArrayList<>(structures.size());
        for (Structure s : structures) {
            rows.add(row(s, schema));
        }
        Dataset<Row> df = spark.createDataFrame(rows, schema);
        return partitions > 0 ? df.repartition(partitions) : df;
    }

    public static StructType schema(List<Structure> structures) {
        Map<String, DataType> passThrough = new LinkedHashMap<>();
        for (Structure s : structures) {
            s.info().forEach((k, v) -> merge(passThrough, k, type(v)));
        }
        for (Structure s : structures) {
            s.arrays().forEach((k, v) -> merge(passThrough, k, type(v)));
        }
        List<StructField> fields = new ArrayList<>(List.of(
                DataTypes.createStructField("structure_id", DataTypes.LongType, false),
                DataTypes.createStructField("numbers", DataTypes.createArrayType(DataTypes.IntegerType, false), false),
                DataTypes.createStructField("positions", DataTypes.createArrayType(DataTypes.DoubleType, false), false),
                DataTypes.createStructField("cell", DataTypes.createArrayType(DataTypes.DoubleType, false), true),
                DataTypes.createStructField("pbc", DataTypes.createArrayType(DataTypes.BooleanType, false), true)));
        passThrough.forEach((k, t) -> {
            if (List.of("structure_id", "numbers", "positions", "cell", "pbc").contains(k)) {
                throw new IllegalArgumentException("property '" + k + "' clashes with a structure column");
            }
            fields.add(DataTypes.createStructField(k, t, true));
        });
        return DataTypes.createStructType(fields);
    }

    private static void merge(Map<String, DataType> m, String name, DataType t) {
        DataType old = m.get(name);
        if (old == null || old.equals(t)) {
            m.put(name, t);
        } else if (numeric(old) && numeric(t)) {
            m.put(name, old instanceof org.apache.spark.sql.types.ArrayType
                    ? DataTypes.createArrayType(DataTypes.DoubleType, false) : DataTypes.DoubleType);
        } else {
            throw new IllegalArgumentException("property '" + name + "' is " + old.simpleString() + " in one structure and "
                    + t.simpleString() + " in another");
        }
    }

    private static boolean numeric(DataType t) {
        DataType e = t instanceof org.apache.spark.sql.types.ArrayType a ? a.elementType() : t;
        return e.equals(DataTypes.LongType) || e.equals(DataTypes.DoubleType);
    }

    private static DataType type(Property p) {
        return switch (p) {
            case Property.Real r -> DataTypes.DoubleType;
            case Property.Int i -> DataTypes.LongType;
            case Property.Text t -> DataTypes.StringType;
            case Property.Bool b -> DataTypes.BooleanType;
            case Property.Reals r -> DataTypes.createArrayType(DataTypes.DoubleType, false);
            case Property.Ints i -> DataTypes.createArrayType(DataTypes.LongType, false);
            case Property.Texts t -> DataTypes.createArrayType(DataTypes.StringType, false);
            case Property.Bools b -> DataTypes.createArrayType(DataTypes.BooleanType, false);
        };
    }

    private static Object value(Property p, DataType target) {
        boolean toDouble = target.equals(DataTypes.DoubleType)
                || (target instanceof org.apache.spark.sql.types.ArrayType a && a.elementType().equals(DataTypes.DoubleType));
        return switch (p) {
            case Property.Real r -> r.value();
            case Property.Int i -> toDouble ? (Object) (double) i.value() : (Object) i.value();
            case Property.Text t -> t.value();
            case Property.Bool b -> b.value();
            case Property.Reals r -> r.values();
            case Property.Ints i -> toDouble ? java.util.Arrays.stream(i.values()).asDoubleStream().toArray() : i.values();
            case Property.Texts t -> t.values();
            case Property.Bools b -> b.values();
        };
    }

    private static Row row(Structure s, StructType schema) {
        Object[] v = new Object[schema.fields().length];
        v[0] = s.id();
        v[1] = s.numbers();
        v[2] = s.positions();
        v[3] = s.cell().map(c -> (Object) c.rows()).orElse(null);
        v[4] = s.cell().map(c -> (Object) c.pbc()).orElse(null);
        for (int i = 5; i < v.length; i++) {
            String name = schema.fields()[i].name();
            Property p = s.info().containsKey(name) ? s.info().get(name) : s.arrays().get(name);
            v[i] = p == null ? null : value(p, schema.fields()[i].dataType());
        }
        return RowFactory.create(v);
    }
}
