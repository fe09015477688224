package org.e3spark.data;

import java.util.Arrays;

/**
 * A simulation cell: three lattice vectors a, b, c as rows (Å) and a periodic flag per axis, as in
 * ASE's {@code Atoms.cell} / {@code Atoms.pbc}. Every value must be finite; the vectors of the
 * periodic axes must be nonzero and linearly independent. A non-periodic axis may have a zero or
 * dependent vector (a slab written with c = 0): {@link #basis()} completes such vectors so that
 * fractional coordinates exist, which changes nothing physical because no image is ever taken
 * along a non-periodic axis. Immutable; compared by value.
 */
public final class Cell {

    /** |det| below this fraction of |a||b||c| counts as singular. */
    static final double SINGULAR = 1e-10;

    private final double[] rows;
    private final boolean[] pbc;
    private final double[] basis;

    /** @param rows a, b, c row-major (9 values); @param pbc 3 flags */
    public Cell(double[] rows, boolean[] pbc) {
        if (rows == null || rows.length != 9) {
            throw new InvalidStructureException("cell must have 9 values (3 row vectors), got "
                    + (rows == null ? "none" : rows.length));
        }
        if (pbc == null || pbc.length != 3) {
            throw new InvalidStructureException("pbc must have 3 flags, got " + (pbc == null ? "none" : pbc.length));
        }
        for (double v : rows) {
            if (!Double.isFinite(v)) {
                throw new InvalidStructureException("cell has a non-finite value: " + Arrays.toString(rows));
            }
        }
        this.rows = rows.clone();
        this.pbc = pbc.clone();
        this.basis = complete(this.rows, this.pbc);
    }

    /**
     * The cell of a row of a table (Arrow, Parquet: one rule for every reader), or null for a
     * non-periodic structure. A row with cell values and no pbc is periodic on all axes (as ASE); a
     * pbc without a cell must be all false; a null pbc flag is an error, never read as false (a
     * periodic axis silently dropped changes every feature).
     *
     * @param rowsOrNull the cell column's values (null when the column or the value is null)
     * @param pbcOrNull the pbc column's flags, elements possibly null (null when the column or the value is null)
     */
    public static Cell fromColumns(double[] rowsOrNull, Boolean[] pbcOrNull) {
        boolean[] pbc = null;
        if (pbcOrNull != null) {
            if (pbcOrNull.length != 3) {
                throw new InvalidStructureException("pbc must have 3 flags, got " + pbcOrNull.length);
            }
            pbc = new boolean[3];
            for (int k = 0; k < 3; k++) {
                if (pbcOrNull[k] == null) {
                    throw new InvalidStructureException("pbc flag " + k + " is null (" + Arrays.toString(pbcOrNull) + ")");
                }
                pbc[k] = pbcOrNull[k];
            }
        }
        if (rowsOrNull == null) {
            if (pbc != null && (pbc[0] || pbc[1] || pbc[2])) {
                throw new InvalidStructureException("pbc " + Arrays.toString(pbc) + " without a cell");
            }
            return null;
        }
        return new Cell(rowsOrNull, pbc != null ? pbc : new boolean[] {true, true, true});
    }

    /** A fully periodic cell. */
    public static Cell periodic(double[] rows) {
        return new Cell(rows, new boolean[] {true, true, true});
    }

    /** An orthorhombic, fully periodic cell with edges a, b, c. */
    public static Cell orthorhombic(double a, double b, double c) {
        return periodic(new double[] {a, 0, 0, 0, b, 0, 0, 0, c});
    }

    /** Component {@code col} of lattice vector {@code row} as given. */
    public double get(int row, int col) {
        return rows[3 * row + col];
    }

    /** The 9 values as given, rows a, b, c (a copy). */
    public double[] rows() {
        return rows.clone();
    }

    public boolean periodic(int axis) {
        return pbc[axis];
    }

    /** The 3 periodic flags (a copy). */
    public boolean[] pbc() {
        return pbc.clone();
    }

    public boolean anyPeriodic() {
        return pbc[0] || pbc[1] || pbc[2];
    }

    /**
     * The rows with degenerate non-periodic vectors replaced by unit vectors completing the
     * periodic ones to a right-handed basis (a copy; equal to {@link #rows()} when nothing was
     * degenerate). Undefined (returns the identity) when no axis is periodic.
     */
    public double[] basis() {
        return basis.clone();
    }

    /** Volume |det| of the rows as given (0 for a slab written with c = 0). */
    public double volume() {
        return Math.abs(det(rows));
    }

    private static double[] complete(double[] m, boolean[] pbc) {
        if (!(pbc[0] || pbc[1] || pbc[2])) {
            return new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1};
        }
        for (int k = 0; k < 3; k++) {
            if (pbc[k] && norm(m, k) == 0) {
                throw new InvalidStructureException("periodic cell vector " + "abc".charAt(k) + " is zero");
            }
        }
        if (!singular(m)) {
            return m.clone();
        }
        int periodic = (pbc[0] ? 1 : 0) + (pbc[1] ? 1 : 0) + (pbc[2] ? 1 : 0);
        if (periodic == 3) {
            throw new InvalidStructureException("periodic cell is singular (volume " + Math.abs(det(m)) + " Å^3): "
                    + Arrays.toString(m));
        }
        // Keep the periodic vectors, replace every non-periodic one by a unit completion.
        double[] out = m.clone();
        int[] per = new int[periodic];
        int[] non = new int[3 - periodic];
        for (int k = 0, p = 0, q = 0; k < 3; k++) {
            if (pbc[k]) {
                per[p++] = k;
            } else {
                non[q++] = k;
            }
        }
        double[] u = unit(row(m, per[0]));
        double[] second;
        if (periodic == 2) {
            second = unit(row(m, per[1]));
            double[] n = unit(cross(u, second));
            if (n == null) {
                throw new InvalidStructureException("periodic cell vectors " + "abc".charAt(per[0]) + " and "
                        + "abc".charAt(per[1]) + " are parallel: " + Arrays.toString(m));
            }
            setRow(out, non[0], n);
        } else {
            // One periodic axis: any orthonormal pair perpendicular to it.
            double[] helper = Math.abs(u[0]) < 0.9 ? new double[] {1, 0, 0} : new double[] {0, 1, 0};
            double[] v = unit(cross(u, helper));
            double[] w = unit(cross(u, v));
            setRow(out, non[0], v);
            setRow(out, non[1], w);
        }
        if (det(out) < 0) { // keep the completion right-handed, flipping a replaced vector
            double[] r = row(out, non[0]);
            setRow(out, non[0], new double[] {-r[0], -r[1], -r[2]});
        }
        if (singular(out)) {
            throw new InvalidStructureException("cell is singular on its periodic axes: " + Arrays.toString(m));
        }
        return out;
    }

    private static boolean singular(double[] m) {
        double scale = norm(m, 0) * norm(m, 1) * norm(m, 2);
        return scale == 0 || Math.abs(det(m)) <= SINGULAR * scale;
    }

    static double det(double[] m) {
        return m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
    }

    private static double norm(double[] m, int k) {
        return Math.sqrt(m[3 * k] * m[3 * k] + m[3 * k + 1] * m[3 * k + 1] + m[3 * k + 2] * m[3 * k + 2]);
    }

    private static double[] row(double[] m, int k) {
        return new double[] {m[3 * k], m[3 * k + 1], m[3 * k + 2]};
    }

    private static void setRow(double[] m, int k, double[] v) {
        m[3 * k] = v[0];
        m[3 * k + 1] = v[1];
        m[3 * k + 2] = v[2];
    }

    private static double[] cross(double[] a, double[] b) {
        return new double[] {a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]};
    }

    private static double[] unit(double[] v) {
        double n = Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        return n < 1e-12 ? null : new double[] {v[0] / n, v[1] / n, v[2] / n};
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cell c && Arrays.equals(rows, c.rows) && Arrays.equals(pbc, c.pbc);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(rows) + Arrays.hashCode(pbc);
    }

    @Override
    public String toString() {
        return "Cell" + Arrays.toString(rows) + " pbc=" + Arrays.toString(pbc);
    }
}
