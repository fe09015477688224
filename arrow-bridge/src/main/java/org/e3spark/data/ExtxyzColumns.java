package org.e3spark.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-atom columns of one extxyz frame, from {@code Properties=name:type:ncols:...} (types
 * S string, R real, I integer, L logical), and their values as the atom lines are read. Knows
 * the species ({@code species}, symbols or numbers, or {@code Z:I:1}) and {@code pos:R:3}
 * columns; every other column becomes a per-atom {@link Property}.
 */
final class ExtxyzColumns {

    private record Column(String name, char type, int width, int offset) {
    }

    /** Most values one atom line may declare (the sum of Properties' column counts). */
    static final int MAX_VALUES_PER_ATOM = 4096;
    /** Most values of one column of one frame: the largest Java array. */
    static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    private final List<Column> columns;
    private final int width;
    private final Column species;
    private final Column pos;
    private final int atoms;
    // Arrays grow as atom lines arrive, never sized from the count line alone: a 45-byte file that
    // claims 3e8 atoms must not make us allocate gigabytes before its first atom line fails to appear.
    private int capacity;
    private int[] numbers = new int[0];
    private double[] positions = new double[0];
    private final Map<String, Object> extra = new LinkedHashMap<>();

    private ExtxyzColumns(List<Column> columns, int width, int atoms, Column species, Column pos) {
        this.columns = columns;
        this.width = width;
        this.species = species;
        this.pos = pos;
        this.atoms = atoms;
        for (Column c : columns) {
            if (c != species && c != pos) {
                extra.put(c.name, switch (c.type) {
                    case 'R' -> new double[0];
                    case 'I' -> new long[0];
                    case 'L' -> new boolean[0];
                    default -> new String[0];
                });
            }
        }
    }

    /** Room for atom {@code atom}: doubling, so memory stays within twice what the lines read hold. */
    private void ensure(int atom) {
        if (atom < capacity) {
            return;
        }
        resize((int) Math.min(atoms, Math.max(16L, 2L * capacity)));
    }

    /** The arrays cut to the atoms read (all of them once the frame is complete). */
    private void trim() {
        if (capacity != atoms) {
            resize(atoms);
        }
    }

    /** Every per-atom array (species, positions, the extra columns) copied to room for {@code cap} atoms. */
    private void resize(int cap) {
        numbers = Arrays.copyOf(numbers, cap);
        positions = Arrays.copyOf(positions, 3 * cap);
        for (Column c : columns) {
            if (c != species && c != pos) {
                int n = cap * c.width;
                extra.put(c.name, switch (extra.get(c.name)) {
                    case double[] d -> Arrays.copyOf(d, n);
                    case long[] l -> Arrays.copyOf(l, n);
                    case boolean[] b -> Arrays.copyOf(b, n);
                    case String[] a -> Arrays.copyOf(a, n);
                    default -> throw new IllegalStateException(c.name);
                });
            }
        }
        capacity = cap;
    }

    /** Parses a Properties value; throws IllegalArgumentException naming what is wrong. */
    static ExtxyzColumns parse(String spec, int atoms) {
        String[] t = spec.split(":");
        if (t.length % 3 != 0) {
            throw new IllegalArgumentException("'" + spec + "' is not name:type:columns triples");
        }
        List<Column> cols = new ArrayList<>();
        int offset = 0;
        Column species = null;
        Column z = null;
        Column pos = null;
        for (int k = 0; k < t.length; k += 3) {
            String name = t[k];
            if (name.isEmpty() || t[k + 1].length() != 1 || "SRIL".indexOf(t[k + 1].charAt(0)) < 0) {
                throw new IllegalArgumentException("column '" + name + ":" + t[k + 1] + "' needs a name and a type S, R, I or L");
            }
            int w;
            try {
                w = Integer.parseInt(t[k + 2]);
            } catch (NumberFormatException e) {
                w = -1;
            }
            if (w < 1) {
                throw new IllegalArgumentException("column '" + name + "' has a bad column count '" + t[k + 2] + "'");
            }
            if (w > MAX_VALUES_PER_ATOM - offset) { // also keeps offset + w from overflowing
                throw new IllegalArgumentException("columns declare more than " + MAX_VALUES_PER_ATOM
                        + " values per atom (column '" + name + "' has " + t[k + 2] + ")");
            }
            Column c = new Column(name, t[k + 1].charAt(0), w, offset);
            offset += w;
            for (Column other : cols) {
                if (other.name.equals(name)) {
                    throw new IllegalArgumentException("column '" + name + "' appears twice");
                }
            }
            cols.add(c);
            if (name.equals("species") && (c.type == 'S' || c.type == 'I') && w == 1) {
                species = c;
            } else if (name.equals("Z") && c.type == 'I' && w == 1) {
                z = c;
            } else if (name.equals("pos") && c.type == 'R' && w == 3) {
                pos = c;
            }
        }
        if (species == null) {
            species = z;
        }
        if (species == null) {
            throw new IllegalArgumentException("no species:S:1 (or Z:I:1) column in '" + spec + "'");
        }
        if (pos == null) {
            throw new IllegalArgumentException("no pos:R:3 column in '" + spec + "'");
        }
        for (Column c : cols) {
            // exact arithmetic: 715827883 atoms x 3 overflows an int into a negative array size
            long values = (long) atoms * (c == pos ? 3 : c.width);
            if (values > MAX_ARRAY) {
                throw new IllegalArgumentException("a frame of " + atoms + " atoms needs " + values
                        + " values in column " + c.name + ", more than the " + MAX_ARRAY + " one frame may hold");
            }
        }
        return new ExtxyzColumns(cols, offset, atoms, species, pos);
    }

    int width() {
        return width;
    }

    String describe() {
        StringBuilder sb = new StringBuilder();
        for (Column c : columns) {
            sb.append(sb.isEmpty() ? "" : " ").append(c.name).append(c.width > 1 ? "[" + c.width + "]" : "");
        }
        return sb.toString();
    }

    /** Stores atom {@code atom}'s values; throws IllegalArgumentException on a bad value. */
    void read(int atom, Tokenizer t) {
        ensure(atom);
        for (Column c : columns) {
            for (int j = 0; j < c.width; j++) {
                String s = t.get(c.offset + j);
                if (c == species) {
                    int zz = c.type == 'S' ? Elements.number(s) : parseLong(s, c, j) > 0 ? Elements.number(s) : 0;
                    if (zz == 0) {
                        throw new IllegalArgumentException("unknown species '" + s + "' of atom " + atom);
                    }
                    numbers[atom] = zz;
                } else if (c == pos) {
                    positions[3 * atom + j] = parseReal(s, c, j);
                } else {
                    int at = atom * c.width + j;
                    switch (extra.get(c.name)) {
                        case double[] d -> d[at] = parseReal(s, c, j);
                        case long[] l -> l[at] = parseLong(s, c, j);
                        case boolean[] b -> {
                            Boolean v = ExtxyzComment.parseBool(s);
                            if (v == null) {
                                throw new IllegalArgumentException("bad logical '" + s + "' in column " + c.name
                                        + " of atom " + atom);
                            }
                            b[at] = v;
                        }
                        case String[] a -> a[at] = s;
                        default -> throw new IllegalStateException("column " + c.name);
                    }
                }
            }
        }
    }

    private static double parseReal(String s, Column c, int j) {
        double v = ExtxyzComment.parseReal(s);
        if (Double.isNaN(v) && !ExtxyzComment.isNaNToken(s)) {
            throw new IllegalArgumentException("bad number '" + s + "' in column " + c.name
                    + (c.width > 1 ? " (value " + (j + 1) + ")" : ""));
        }
        return v;
    }

    private static long parseLong(String s, Column c, int j) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad integer '" + s + "' in column " + c.name
                    + (c.width > 1 ? " (value " + (j + 1) + ")" : ""));
        }
    }

    int[] numbers() {
        trim();
        return numbers;
    }

    double[] positions() {
        trim();
        return positions;
    }

    /** The extra columns as per-atom properties, in Properties order. */
    Map<String, Property> arrays() {
        trim();
        Map<String, Property> out = new LinkedHashMap<>();
        extra.forEach((name, a) -> out.put(name, switch (a) {
            case double[] d -> new Property.Reals(d);
            case long[] l -> new Property.Ints(l);
            case boolean[] b -> new Property.Bools(b);
            case String[] s -> new Property.Texts(s);
            default -> throw new IllegalStateException(name);
        }));
        return out;
    }

    /** Splits a line on whitespace into a reused array. */
    static final class Tokenizer {
        private String[] tokens = new String[16];

        int split(String line) {
            int n = 0;
            int i = 0;
            int len = line.length();
            while (true) {
                while (i < len && line.charAt(i) <= ' ') {
                    i++;
                }
                if (i >= len) {
                    return n;
                }
                int start = i;
                while (i < len && line.charAt(i) > ' ') {
                    i++;
                }
                if (n == tokens.length) {
                    tokens = Arrays.copyOf(tokens, 2 * n);
                }
                tokens[n++] = line.substring(start, i);
            }
        }

        String get(int k) {
            return tokens[k];
        }
    }
}
