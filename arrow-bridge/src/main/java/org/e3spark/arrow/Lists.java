package org.e3spark.arrow;

import java.nio.charset.StandardCharsets;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.FloatingPointVector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.complex.BaseListVector;
import org.apache.arrow.vector.complex.ListVector;
import org.e3spark.data.InvalidStructureException;
import org.e3spark.data.Property;

/** Reading and writing list cells and pass-through values of Arrow vectors. */
final class Lists {

    private Lists() {
    }

    static FieldVector child(BaseListVector v) {
        return v.getChildrenFromFields().getFirst();
    }

    static void writeInts(ListVector v, int row, int[] values) {
        int start = v.startNewValue(row);
        IntVector data = (IntVector) v.getDataVector();
        for (int k = 0; k < values.length; k++) {
            data.setSafe(start + k, values[k]);
        }
        v.endValue(row, values.length);
    }

    static void writeLongs(ListVector v, int row, long[] values) {
        int start = v.startNewValue(row);
        BigIntVector data = (BigIntVector) v.getDataVector();
        for (int k = 0; k < values.length; k++) {
            data.setSafe(start + k, values[k]);
        }
        v.endValue(row, values.length);
    }

    static void writeDoubles(ListVector v, int row, double[] values) {
        int start = v.startNewValue(row);
        Float8Vector data = (Float8Vector) v.getDataVector();
        for (int k = 0; k < values.length; k++) {
            data.setSafe(start + k, values[k]);
        }
        v.endValue(row, values.length);
    }

    static void writeBools(ListVector v, int row, boolean[] values) {
        int start = v.startNewValue(row);
        BitVector data = (BitVector) v.getDataVector();
        for (int k = 0; k < values.length; k++) {
            data.setSafe(start + k, values[k] ? 1 : 0);
        }
        v.endValue(row, values.length);
    }

    static void writeTexts(ListVector v, int row, String[] values) {
        int start = v.startNewValue(row);
        VarCharVector data = (VarCharVector) v.getDataVector();
        for (int k = 0; k < values.length; k++) {
            data.setSafe(start + k, values[k].getBytes(StandardCharsets.UTF_8));
        }
        v.endValue(row, values.length);
    }

    private static BaseListVector list(FieldVector v, int row, String name) {
        if (v.isNull(row)) {
            throw new InvalidStructureException(name + " is null");
        }
        return (BaseListVector) v;
    }

    static int[] readInts(FieldVector v, int row, String name) {
        BaseListVector l = list(v, row, name);
        BaseIntVector c = (BaseIntVector) child(l);
        int start = l.getElementStartIndex(row);
        int[] out = new int[l.getElementEndIndex(row) - start];
        for (int k = 0; k < out.length; k++) {
            if (c.isNull(start + k)) {
                throw new InvalidStructureException(name + " has a null element at " + k);
            }
            long value = c.getValueAsLong(start + k);
            if (value != (int) value) {
                // a clamped value would be judged as another number than the one in the file
                throw new InvalidStructureException(name + "[" + k + "] = " + value + " is out of the int range");
            }
            out[k] = (int) value;
        }
        return out;
    }

    static double[] readDoubles(FieldVector v, int row, String name) {
        BaseListVector l = list(v, row, name);
        FloatingPointVector c = (FloatingPointVector) child(l);
        int start = l.getElementStartIndex(row);
        double[] out = new double[l.getElementEndIndex(row) - start];
        for (int k = 0; k < out.length; k++) {
            if (c.isNull(start + k)) {
                throw new InvalidStructureException(name + " has a null element at " + k);
            }
            out[k] = c.getValueAsDouble(start + k);
        }
        return out;
    }

    static boolean[] readBools(FieldVector v, int row, String name) {
        BaseListVector l = list(v, row, name);
        BitVector c = (BitVector) child(l);
        int start = l.getElementStartIndex(row);
        boolean[] out = new boolean[l.getElementEndIndex(row) - start];
        for (int k = 0; k < out.length; k++) {
            if (c.isNull(start + k)) {
                throw new InvalidStructureException(name + " has a null element at " + k);
            }
            out[k] = c.get(start + k) != 0;
        }
        return out;
    }

    /** A boolean list's values with nulls kept (the cell rule in {@link org.e3spark.data.Cell#fromColumns} judges them). */
    static Boolean[] readFlags(FieldVector v, int row) {
        BaseListVector l = (BaseListVector) v;
        BitVector c = (BitVector) child(l);
        int start = l.getElementStartIndex(row);
        Boolean[] out = new Boolean[l.getElementEndIndex(row) - start];
        for (int k = 0; k < out.length; k++) {
            out[k] = c.isNull(start + k) ? null : c.get(start + k) != 0;
        }
        return out;
    }

    /** Fails on a pass-through column whose type has no {@link Property} kind. */
    static void checkSupported(FieldVector v) {
        FieldVector scalar = v instanceof BaseListVector l ? child(l) : v;
        if (!(scalar instanceof FloatingPointVector || scalar instanceof BaseIntVector || scalar instanceof BitVector
                || scalar instanceof VarCharVector) || scalar instanceof BaseListVector) {
            throw new IllegalArgumentException("pass-through column '" + v.getName() + "' has unsupported type "
                    + v.getField().getType() + (v instanceof BaseListVector l ? "<" + child(l).getField().getType() + ">" : "")
                    + "; supported: float, integer, bool, utf8 and lists of them");
        }
    }

    /** The value of a pass-through cell, or null when the cell is null. */
    static Property readProperty(FieldVector v, int row) {
        if (v.isNull(row)) {
            return null;
        }
        String name = v.getName();
        if (v instanceof BaseListVector l) {
            FieldVector c = child(l);
            int start = l.getElementStartIndex(row);
            int n = l.getElementEndIndex(row) - start;
            return switch (c) {
                case FloatingPointVector f -> new Property.Reals(readDoubles(v, row, name));
                case BaseIntVector i -> {
                    long[] out = new long[n];
                    for (int k = 0; k < n; k++) {
                        out[k] = i.getValueAsLong(start + k);
                    }
                    yield new Property.Ints(out);
                }
                case BitVector b -> new Property.Bools(readBools(v, row, name));
                case VarCharVector s -> {
                    String[] out = new String[n];
                    for (int k = 0; k < n; k++) {
                        out[k] = new String(s.get(start + k), StandardCharsets.UTF_8);
                    }
                    yield new Property.Texts(out);
                }
                default -> throw new IllegalArgumentException("column " + name);
            };
        }
        return switch (v) {
            case FloatingPointVector f -> new Property.Real(f.getValueAsDouble(row));
            case BaseIntVector i -> new Property.Int(i.getValueAsLong(row));
            case BitVector b -> new Property.Bool(b.get(row) != 0);
            case VarCharVector s -> new Property.Text(new String(s.get(row), StandardCharsets.UTF_8));
            default -> throw new IllegalArgumentException("column " + name);
        };
    }
}
