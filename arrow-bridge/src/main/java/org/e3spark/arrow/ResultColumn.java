package org.e3spark.arrow;

import java.util.Objects;

/**
 * A computed result to send back per structure: {@code width} values per atom (energies per
 * atom, forces, node features) or per structure (energies, pooled features), batch-ordered as the
 * {@link org.e3spark.graph.GraphBatch} that produced it. Values are borrowed, not copied.
 */
public final class ResultColumn {

    /** What one row of values belongs to. */
    public enum Scope {
        ATOM, STRUCTURE
    }

    private final String name;
    private final Scope scope;
    private final int width;
    private final double[] values;

    public ResultColumn(String name, Scope scope, int width, double[] values) {
        this.name = Objects.requireNonNull(name, "name");
        this.scope = Objects.requireNonNull(scope, "scope");
        this.values = Objects.requireNonNull(values, "values");
        if (width < 1) {
            throw new IllegalArgumentException("result column " + name + " needs width >= 1, got " + width);
        }
        if (values.length % width != 0) {
            throw new IllegalArgumentException("result column " + name + " has " + values.length
                    + " values, not a multiple of its width " + width);
        }
        this.width = width;
    }

    public String name() {
        return name;
    }

    public Scope scope() {
        return scope;
    }

    public int width() {
        return width;
    }

    double[] values() {
        return values;
    }
}
