package org.e3spark.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * A pass-through value of a structure: a per-frame scalar or array (extxyz's key=value pairs:
 * energy, stress, config_type ...) or a per-atom column (extxyz's extra {@code Properties}
 * columns: forces, charges ...; then the array holds atoms x columns values, atom-major).
 * Arrays are copied in and compared by content.
 */
public sealed interface Property {

    /** Number of values (1 for a scalar). */
    int size();

    record Real(double value) implements Property {
        @Override
        public int size() {
            return 1;
        }
    }

    record Int(long value) implements Property {
        @Override
        public int size() {
            return 1;
        }
    }

    record Text(String value) implements Property {
        public Text {
            Objects.requireNonNull(value, "value");
        }

        @Override
        public int size() {
            return 1;
        }
    }

    record Bool(boolean value) implements Property {
        @Override
        public int size() {
            return 1;
        }
    }

    /** Doubles; {@link #values()} returns a copy. */
    record Reals(double[] values) implements Property {
        public Reals {
            values = values.clone();
        }

        @Override
        public double[] values() {
            return values.clone();
        }

        public double get(int i) {
            return values[i];
        }

        @Override
        public int size() {
            return values.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Reals r && Arrays.equals(values, r.values);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return "Reals" + Arrays.toString(values);
        }
    }

    /** Longs; {@link #values()} returns a copy. */
    record Ints(long[] values) implements Property {
        public Ints {
            values = values.clone();
        }

        @Override
        public long[] values() {
            return values.clone();
        }

        public long get(int i) {
            return values[i];
        }

        @Override
        public int size() {
            return values.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Ints r && Arrays.equals(values, r.values);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return "Ints" + Arrays.toString(values);
        }
    }

    /** Strings; {@link #values()} returns a copy. */
    record Texts(String[] values) implements Property {
        public Texts {
            values = values.clone();
            for (String s : values) {
                Objects.requireNonNull(s, "text value");
            }
        }

        @Override
        public String[] values() {
            return values.clone();
        }

        public String get(int i) {
            return values[i];
        }

        @Override
        public int size() {
            return values.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Texts r && Arrays.equals(values, r.values);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return "Texts" + Arrays.toString(values);
        }
    }

    /** Booleans; {@link #values()} returns a copy. */
    record Bools(boolean[] values) implements Property {
        public Bools {
            values = values.clone();
        }

        @Override
        public boolean[] values() {
            return values.clone();
        }

        public boolean get(int i) {
            return values[i];
        }

        @Override
        public int size() {
            return values.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Bools r && Arrays.equals(values, r.values);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(values);
        }

        @Override
        public String toString() {
            return "Bools" + Arrays.toString(values);
        }
    }
}
