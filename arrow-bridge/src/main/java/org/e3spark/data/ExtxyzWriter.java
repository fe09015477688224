package org.e3spark.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.Map;

/**
 * Writes structures as extended XYZ frames that {@link ExtxyzReader} (and ASE) read back to equal
 * structures: {@code Lattice} and {@code pbc} when a cell is present, {@code Properties} with
 * species, pos and every per-atom property, {@code structure_id} and every info value. Doubles are
 * written in Java's shortest round-trip form. Limits of the format: a text that reads as a number
 * or T/F, and text arrays, come back as other types.
 */
public final class ExtxyzWriter implements AutoCloseable {

    private final Writer out;
    private final StringBuilder sb = new StringBuilder(1 << 12);

    /** Writes to {@code out}, which it closes on {@link #close()}. */
    public ExtxyzWriter(Writer out) {
        this.out = out;
    }

    public void write(Structure s) {
        sb.setLength(0);
        int n = s.atomCount();
        sb.append(n).append('\n');
        if (s.cell().isPresent()) {
            Cell c = s.cell().get();
            sb.append("Lattice=\"");
            for (int k = 0; k < 9; k++) {
                sb.append(k == 0 ? "" : " ").append(c.get(k / 3, k % 3));
            }
            sb.append("\" ");
        }
        sb.append("Properties=species:S:1:pos:R:3");
        for (Map.Entry<String, Property> e : s.arrays().entrySet()) {
            checkKey(e.getKey());
            sb.append(':').append(e.getKey()).append(':').append(typeCode(e.getKey(), e.getValue())).append(':')
                    .append(e.getValue().size() / n);
        }
        if (s.cell().isPresent()) {
            boolean[] pbc = s.cell().get().pbc();
            sb.append(" pbc=\"").append(pbc[0] ? 'T' : 'F').append(' ').append(pbc[1] ? 'T' : 'F').append(' ')
                    .append(pbc[2] ? 'T' : 'F').append('"');
        }
        sb.append(" structure_id=").append(s.id());
        for (Map.Entry<String, Property> e : s.info().entrySet()) {
            checkKey(e.getKey());
            sb.append(' ').append(e.getKey()).append('=').append(ExtxyzComment.render(e.getValue()));
        }
        sb.append('\n');
        for (int i = 0; i < n; i++) {
            sb.append(Elements.symbol(s.number(i)));
            for (int a = 0; a < 3; a++) {
                sb.append(' ').append(s.position(i, a));
            }
            for (Property p : s.arrays().values()) {
                int w = p.size() / n;
                for (int j = 0; j < w; j++) {
                    sb.append(' ');
                    int at = i * w + j;
                    switch (p) {
                        case Property.Reals r -> sb.append(r.get(at));
                        case Property.Ints r -> sb.append(r.get(at));
                        case Property.Bools r -> sb.append(r.get(at) ? 'T' : 'F');
                        case Property.Texts r -> sb.append(r.get(at));
                        default -> throw new IllegalStateException("scalar per-atom property");
                    }
                }
            }
            sb.append('\n');
        }
        try {
            out.append(sb);
        } catch (IOException e) {
            throw new UncheckedIOException("writing structure " + s.id(), e);
        }
    }

    private static char typeCode(String name, Property p) {
        return switch (p) {
            case Property.Reals r -> 'R';
            case Property.Ints r -> 'I';
            case Property.Bools r -> 'L';
            case Property.Texts r -> {
                for (String v : r.values()) {
                    if (v.isEmpty() || v.chars().anyMatch(ch -> ch <= ' ')) {
                        throw new IllegalArgumentException("per-atom text '" + v + "' of " + name
                                + " is empty or has whitespace; extxyz cannot hold it");
                    }
                }
                yield 'S';
            }
            default -> throw new IllegalArgumentException("per-atom property " + name + " is a scalar");
        };
    }

    private static void checkKey(String key) {
        if (key.isEmpty() || key.chars().anyMatch(ch -> ch <= ' ' || ch == '=' || ch == '"' || ch == ':')
                || key.equals("Lattice") || key.equals("pbc") || key.equals("Properties")
                || key.equals("structure_id") || key.equals("species") || key.equals("pos")) {
            throw new IllegalArgumentException("property name '" + key + "' cannot be written to extxyz");
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
