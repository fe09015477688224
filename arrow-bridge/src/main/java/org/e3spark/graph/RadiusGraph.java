package org.e3spark.graph;

import java.util.Arrays;
import org.e3spark.data.Cell;
import org.e3spark.data.Structure;

/**
 * Radius graphs: every pair (i, j, S) with |x_j - x_i + S·cell| < cutoff, S ranging over the
 * periodic axes only, (i, i, 0) excluded; see {@link EdgeList} for the convention (ASE's
 * {@code neighbor_list}). Works for triclinic cells, cells smaller than the cutoff (several images
 * of an atom, self-images) and mixed periodic/non-periodic axes.
 *
 * <p>How, linear in atoms: atoms are wrapped into the cell along periodic axes; every image whose
 * fractional coordinates lie within cutoff/h_k of the cell (h_k the distance between lattice planes
 * of axis k) joins a point set, which holds every neighbor of every wrapped atom; a Cartesian
 * cell list (bins at least one cutoff wide) over that set answers each atom's query from 27 bins.
 * Shifts are translated back to the atoms' original positions and edge vectors recomputed from
 * them, so results do not depend on wrapping.
 */
public record RadiusGraph(double cutoff) {

    /** Largest |shift| on one axis (a cutoff hundreds of cell heights long is a mistake). */
    public static final int MAX_SHIFT = 511;
    private static final int SHIFT_BITS = 10;
    private static final int SHIFT_BIAS = 512;
    /** Farthest an atom may lie from the cell, in cell vectors (2^40: rounding then stays below 1e-4 of a cell). */
    static final double MAX_WRAP = 0x1p40;

    public RadiusGraph {
        if (!(cutoff > 0) || !Double.isFinite(cutoff)) {
            throw new IllegalArgumentException("cutoff must be a positive finite length in Å, got " + cutoff);
        }
    }

    public EdgeList build(Structure s) {
        int n = s.atomCount();
        double[] x = s.positions();
        Cell cell = s.periodic() ? s.cell().orElseThrow() : null;
        double[] basis = cell != null ? cell.basis() : null;
        boolean[] pbc = cell != null ? cell.pbc() : new boolean[3];

        // 1. Wrap along periodic axes: x = w + wrap·basis with fractional w in [0, 1).
        double[] w = x.clone();
        long[] wrap = new long[3 * n]; // cell vectors an atom lies from the cell: beyond int range for far atoms
        int[] range = new int[3];
        double[] margin = new double[3];
        double[] inv = null;
        if (cell != null) {
            inv = Lattice.inverse(basis);
            for (int k = 0; k < 3; k++) {
                if (pbc[k]) {
                    double h = 1.0 / Math.sqrt(inv[k] * inv[k] + inv[3 + k] * inv[3 + k] + inv[6 + k] * inv[6 + k]);
                    margin[k] = cutoff / h * (1 + 1e-9) + 1e-9;
                    // compared as a double: an int cast of a huge margin (a 1e-12 Å cell vector) saturates,
                    // and + 1 then overflows past the guard
                    double images = Math.floor(margin[k]) + 1; // f in [0,1) and f + S in [-margin, 1 + margin]
                    if (!(images <= MAX_SHIFT)) {
                        throw new IllegalArgumentException("structure " + s.id() + ": cutoff " + cutoff
                                + " Å spans more than " + MAX_SHIFT + " images of a cell " + h + " Å high");
                    }
                    range[k] = (int) images;
                }
            }
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < 3; k++) {
                    if (pbc[k]) {
                        double f = x[3 * i] * inv[k] + x[3 * i + 1] * inv[3 + k] + x[3 * i + 2] * inv[6 + k];
                        if (!(Math.abs(f) < MAX_WRAP)) {
                            // beyond this the position's rounding error is a sizeable part of a cell
                            throw new IllegalArgumentException("structure " + s.id() + ": atom " + i + " lies "
                                    + (float) f + " cell vectors along " + "abc".charAt(k)
                                    + " from the cell, too far for its position to be precise within the cell");
                        }
                        long m = (long) Math.floor(f); // exact: |f| < 2^40
                        wrap[3 * i + k] = m;
                        for (int c = 0; c < 3; c++) {
                            w[3 * i + c] -= m * basis[3 * k + c];
                        }
                    }
                }
            }
        }

        // 2. The point set: images within the margin of the cell (every neighbor of a wrapped atom).
        PointSet points = new PointSet(n);
        for (int sa = -range[0]; sa <= range[0]; sa++) {
            for (int sb = -range[1]; sb <= range[1]; sb++) {
                for (int sc = -range[2]; sc <= range[2]; sc++) {
                    double ox = sa * basis(basis, 0, 0) + sb * basis(basis, 1, 0) + sc * basis(basis, 2, 0);
                    double oy = sa * basis(basis, 0, 1) + sb * basis(basis, 1, 1) + sc * basis(basis, 2, 1);
                    double oz = sa * basis(basis, 0, 2) + sb * basis(basis, 1, 2) + sc * basis(basis, 2, 2);
                    int[] shift = {sa, sb, sc};
                    for (int j = 0; j < n; j++) {
                        double px = w[3 * j] + ox;
                        double py = w[3 * j + 1] + oy;
                        double pz = w[3 * j + 2] + oz;
                        if (inv != null && !inside(px, py, pz, inv, pbc, margin)) {
                            continue;
                        }
                        points.add(j, shift, px, py, pz);
                    }
                }
            }
        }

        // 3. Query every wrapped atom; collect (sender, shift) keys per receiver, sorted.
        CellList bins = new CellList(points.xyz, points.size, cutoff);
        double r2 = cutoff * cutoff * (1 + 1e-9) + 1e-12;
        EdgeBuilder out = new EdgeBuilder(Math.max(16, 8 * n));
        long[] keys = new long[64];
        int[] found = new int[64];
        double[] cr = cell != null ? cell.rows() : new double[9];
        for (int i = 0; i < n; i++) {
            int count = bins.query(w[3 * i], w[3 * i + 1], w[3 * i + 2], r2, found);
            if (count > found.length) {
                found = new int[Integer.highestOneBit(count) * 2];
                count = bins.query(w[3 * i], w[3 * i + 1], w[3 * i + 2], r2, found);
            }
            if (keys.length < count) {
                keys = new long[found.length];
            }
            int m = 0;
            for (int q = 0; q < count; q++) {
                int p = found[q];
                int j = points.atom[p];
                long la = points.shift[3 * p] + wrap[3 * i] - wrap[3 * j];
                long lb = points.shift[3 * p + 1] + wrap[3 * i + 1] - wrap[3 * j + 1];
                long lc = points.shift[3 * p + 2] + wrap[3 * i + 2] - wrap[3 * j + 2];
                if (j == i && la == 0 && lb == 0 && lc == 0) {
                    continue;
                }
                if (Math.abs(la) > MAX_SHIFT || Math.abs(lb) > MAX_SHIFT || Math.abs(lc) > MAX_SHIFT) {
                    throw new IllegalArgumentException("structure " + s.id() + ": a shift exceeds " + MAX_SHIFT
                            + " cell vectors (are the atoms far outside the cell?)");
                }
                int sa = (int) la;
                int sb = (int) lb;
                int sc = (int) lc;
                keys[m++] = ((long) j << (3 * SHIFT_BITS)) | ((long) (sa + SHIFT_BIAS) << (2 * SHIFT_BITS))
                        | ((long) (sb + SHIFT_BIAS) << SHIFT_BITS) | (sc + SHIFT_BIAS);
            }
            Arrays.sort(keys, 0, m);
            int mask = (1 << SHIFT_BITS) - 1;
            for (int q = 0; q < m; q++) {
                long key = keys[q];
                int j = (int) (key >>> (3 * SHIFT_BITS));
                int sa = (int) ((key >>> (2 * SHIFT_BITS)) & mask) - SHIFT_BIAS;
                int sb = (int) ((key >>> SHIFT_BITS) & mask) - SHIFT_BIAS;
                int sc = (int) (key & mask) - SHIFT_BIAS;
                // D = x_j - x_i + S·cell, from the original positions (the brute-force formula).
                double dx = (x[3 * j] - x[3 * i]) + (sa * cr[0] + sb * cr[3] + sc * cr[6]);
                double dy = (x[3 * j + 1] - x[3 * i + 1]) + (sa * cr[1] + sb * cr[4] + sc * cr[7]);
                double dz = (x[3 * j + 2] - x[3 * i + 2]) + (sa * cr[2] + sb * cr[5] + sc * cr[8]);
                double d = Math.sqrt(dx * dx + dy * dy + dz * dz);
                if (d < cutoff) {
                    out.add(i, j, sa, sb, sc, dx, dy, dz, d);
                }
            }
        }
        return out.build(s.id(), n, cutoff);
    }

    /**
     * What a brute-force search over periodic images needs of a structure, for searches that run
     * elsewhere (the GPU featurizer's): the cell rows, the inverse that gives fractional coordinates
     * ({@code f_k = x · inverse[:, k]}) and, per axis, how far in cell vectors a neighbour can lie:
     * {@code |f_k(D)| <= reach[k]} for every D shorter than the cutoff ({@code reach[k] < 0} on
     * open axes, where the shift is always 0). Zero rows and identity inverse without a cell.
     */
    public record ImageFrame(double[] rows, double[] inverse, double[] reach) {
    }

    public ImageFrame imageFrame(Structure s) {
        double[] reach = {-1, -1, -1};
        if (!s.periodic()) {
            return new ImageFrame(new double[9], new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1}, reach);
        }
        Cell cell = s.cell().orElseThrow();
        double[] inv = Lattice.inverse(cell.basis());
        boolean[] pbc = cell.pbc();
        for (int k = 0; k < 3; k++) {
            if (pbc[k]) {
                // the same margin as build(): the distance between lattice planes bounds |f_k| · h_k <= |D|
                double h = 1.0 / Math.sqrt(inv[k] * inv[k] + inv[3 + k] * inv[3 + k] + inv[6 + k] * inv[6 + k]);
                reach[k] = cutoff / h * (1 + 1e-9) + 1e-9;
                if (Math.floor(reach[k]) + 1 > MAX_SHIFT) {
                    throw new IllegalArgumentException("structure " + s.id() + ": cutoff " + cutoff
                            + " Å spans more than " + MAX_SHIFT + " images of a cell " + h + " Å high");
                }
            }
        }
        double[] x = s.positions();
        for (int i = 0; i < s.atomCount(); i++) {
            for (int k = 0; k < 3; k++) {
                double f = x[3 * i] * inv[k] + x[3 * i + 1] * inv[3 + k] + x[3 * i + 2] * inv[6 + k];
                if (pbc[k] && !(Math.abs(f) < MAX_WRAP)) { // build()'s rule, for searches elsewhere
                    throw new IllegalArgumentException("structure " + s.id() + ": atom " + i + " lies " + (float) f
                            + " cell vectors along " + "abc".charAt(k)
                            + " from the cell, too far for its position to be precise within the cell");
                }
            }
        }
        return new ImageFrame(cell.rows(), inv, reach);
    }

    private static double basis(double[] basis, int row, int col) {
        return basis == null ? 0 : basis[3 * row + col];
    }

    private static boolean inside(double px, double py, double pz, double[] inv, boolean[] pbc, double[] margin) {
        for (int k = 0; k < 3; k++) {
            if (pbc[k]) {
                double f = px * inv[k] + py * inv[3 + k] + pz * inv[6 + k];
                if (f < -margin[k] || f > 1 + margin[k]) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Images of atoms: atom index, shift from the wrapped position, Cartesian position. */
    private static final class PointSet {
        int size;
        int[] atom;
        int[] shift;
        double[] xyz;

        PointSet(int capacity) {
            atom = new int[capacity];
            shift = new int[3 * capacity];
            xyz = new double[3 * capacity];
        }

        void add(int j, int[] s, double px, double py, double pz) {
            if (size == atom.length) {
                int cap = Math.max(16, 2 * size);
                atom = Arrays.copyOf(atom, cap);
                shift = Arrays.copyOf(shift, 3 * cap);
                xyz = Arrays.copyOf(xyz, 3 * cap);
            }
            atom[size] = j;
            shift[3 * size] = s[0];
            shift[3 * size + 1] = s[1];
            shift[3 * size + 2] = s[2];
            xyz[3 * size] = px;
            xyz[3 * size + 1] = py;
            xyz[3 * size + 2] = pz;
            size++;
        }
    }
}
