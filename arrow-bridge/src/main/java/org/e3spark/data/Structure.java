package org.e3spark.data;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One structure: atomic numbers, Cartesian positions (Å, atom-major x y z), an optional
 * {@link Cell} with periodic flags, an id, and pass-through properties: {@code info} per frame
 * (energy, stress, config_type ...) and {@code arrays} per atom (forces ...; each holds atoms x
 * columns values). Validated on construction: at least one atom, known elements, finite
 * positions, matching lengths; a cell's own checks ({@link Cell}). Immutable: arrays are copied
 * in and out; compared by value.
 */
public final class Structure {

    private final long id;
    private final int[] numbers;
    private final double[] positions;
    private final Cell cell;
    private final Map<String, Property> info;
    private final Map<String, Property> arrays;

    public Structure(long id, int[] numbers, double[] positions, Cell cell, Map<String, Property> info,
                     Map<String, Property> arrays) {
        this.id = id;
        try {
            Objects.requireNonNull(numbers, "numbers");
            Objects.requireNonNull(positions, "positions");
            if (numbers.length == 0) {
                throw new InvalidStructureException("structure has no atoms");
            }
            if (positions.length != 3 * numbers.length) {
                throw new InvalidStructureException(numbers.length + " atoms need " + 3 * numbers.length
                        + " position values, got " + positions.length);
            }
            for (int i = 0; i < numbers.length; i++) {
                if (numbers[i] < 1 || numbers[i] > Elements.MAX_Z) {
                    throw new InvalidStructureException("atom " + i + " has atomic number " + numbers[i]
                            + " (must be 1.." + Elements.MAX_Z + ")");
                }
            }
            for (int k = 0; k < positions.length; k++) {
                if (!Double.isFinite(positions[k])) {
                    throw new InvalidStructureException("atom " + k / 3 + " has a non-finite position "
                            + Arrays.toString(Arrays.copyOfRange(positions, k - k % 3, k - k % 3 + 3)));
                }
            }
            this.info = freeze(info);
            this.arrays = freeze(arrays);
            for (Map.Entry<String, Property> e : this.arrays.entrySet()) {
                int size = e.getValue().size();
                if (size % numbers.length != 0 || size == 0) {
                    throw new InvalidStructureException("per-atom property '" + e.getKey() + "' has " + size
                            + " values, not a positive multiple of " + numbers.length + " atoms");
                }
                if (e.getValue() instanceof Property.Real || e.getValue() instanceof Property.Int
                        || e.getValue() instanceof Property.Text || e.getValue() instanceof Property.Bool) {
                    throw new InvalidStructureException("per-atom property '" + e.getKey() + "' must be an array");
                }
            }
        } catch (InvalidStructureException e) {
            throw new InvalidStructureException("structure " + id + ": " + e.getMessage(), e);
        }
        this.numbers = numbers.clone();
        this.positions = positions.clone();
        this.cell = cell;
    }

    /** A structure without properties. */
    public Structure(long id, int[] numbers, double[] positions, Cell cell) {
        this(id, numbers, positions, cell, Map.of(), Map.of());
    }

    private static Map<String, Property> freeze(Map<String, Property> m) {
        if (m == null || m.isEmpty()) {
            return Map.of();
        }
        Map<String, Property> copy = new LinkedHashMap<>();
        m.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "property name"),
                Objects.requireNonNull(v, () -> "property " + k)));
        return Collections.unmodifiableMap(copy);
    }

    public long id() {
        return id;
    }

    public int atomCount() {
        return numbers.length;
    }

    public int number(int atom) {
        return numbers[atom];
    }

    /** Coordinate {@code axis} (0 x, 1 y, 2 z) of an atom. */
    public double position(int atom, int axis) {
        return positions[3 * atom + axis];
    }

    /** Atomic numbers (a copy). */
    public int[] numbers() {
        return numbers.clone();
    }

    /** Positions, atom-major x y z (a copy). */
    public double[] positions() {
        return positions.clone();
    }

    public Optional<Cell> cell() {
        return Optional.ofNullable(cell);
    }

    /** True when a cell is present and at least one axis is periodic. */
    public boolean periodic() {
        return cell != null && cell.anyPeriodic();
    }

    /** Per-frame pass-through properties in file order (unmodifiable). */
    public Map<String, Property> info() {
        return info;
    }

    /** Per-atom pass-through properties in file order (unmodifiable). */
    public Map<String, Property> arrays() {
        return arrays;
    }

    /** The same atoms and cell under another id. */
    public Structure withId(long newId) {
        return new Structure(newId, numbers, positions, cell, info, arrays);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Structure s && id == s.id && Arrays.equals(numbers, s.numbers)
                && Arrays.equals(positions, s.positions) && Objects.equals(cell, s.cell) && info.equals(s.info)
                && arrays.equals(s.arrays);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, Arrays.hashCode(numbers), Arrays.hashCode(positions), cell, info, arrays);
    }

    @Override
    public String toString() {
        return "Structure[id=" + id + ", atoms=" + numbers.length + ", cell=" + cell + "]";
    }
}
