package org.e3spark.model;

import java.util.Arrays;

/**
 * One named weight tensor: a shape and its values, row-major, held as float64 whatever the file
 * stored (float32 values convert exactly). Equality by name, shape and bit-exact values.
 */
public final class NamedTensor {

    private final String name;
    private final int[] shape;
    private final double[] values;

    public NamedTensor(String name, int[] shape, double[] values) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("tensor name must not be empty");
        }
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor " + name + ": negative dimension in " + Arrays.toString(shape));
            }
            n *= d;
        }
        if (n != values.length) {
            throw new IllegalArgumentException("tensor " + name + ": shape " + Arrays.toString(shape) + " holds " + n
                    + " values, got " + values.length);
        }
        this.name = name;
        this.shape = shape.clone();
        this.values = values.clone();
    }

    public String name() {
        return name;
    }

    public int[] shape() {
        return shape.clone();
    }

    public int size() {
        return values.length;
    }

    /** The values (a copy). */
    public double[] values() {
        return values.clone();
    }

    /** The values without copying, for the model's own layers (read-only by contract). */
    double[] valuesShared() {
        return values;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NamedTensor t && name.equals(t.name) && Arrays.equals(shape, t.shape)
                && Arrays.equals(values, t.values);
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + Arrays.hashCode(values);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
