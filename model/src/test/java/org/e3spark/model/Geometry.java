package org.e3spark.model;

import java.util.Map;
import java.util.SplittableRandom;
import org.e3spark.data.Cell;
import org.e3spark.data.Structure;

/** Rigid motions, permutations and supercells of structures, for the invariance tests. */
final class Geometry {

    private Geometry() {
    }

    /** A uniformly random proper rotation (Gram-Schmidt of a Gaussian matrix, determinant fixed to +1). */
    static double[] rotation(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] a = new double[9];
        for (int i = 0; i < 9; i++) {
            a[i] = rng.nextGaussian();
        }
        double[] q = new double[9];
        for (int r = 0; r < 3; r++) {
            double[] v = {a[3 * r], a[3 * r + 1], a[3 * r + 2]};
            for (int p = 0; p < r; p++) {
                double d = v[0] * q[3 * p] + v[1] * q[3 * p + 1] + v[2] * q[3 * p + 2];
                for (int c = 0; c < 3; c++) {
                    v[c] -= d * q[3 * p + c];
                }
            }
            double n = Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
            for (int c = 0; c < 3; c++) {
                q[3 * r + c] = v[c] / n;
            }
        }
        double det = q[0] * (q[4] * q[8] - q[5] * q[7]) - q[1] * (q[3] * q[8] - q[5] * q[6]) + q[2] * (q[3] * q[7] - q[4] * q[6]);
        if (det < 0) {
            for (int c = 0; c < 3; c++) {
                q[6 + c] = -q[6 + c];
            }
        }
        return q;
    }

    /** Rows r -> R r + t for positions; cell rows rotate too (not translated). */
    static Structure moved(Structure s, double[] rot, double[] t) {
        double[] p = apply(s.positions(), rot);
        for (int i = 0; i < p.length; i++) {
            p[i] += t[i % 3];
        }
        Cell cell = s.cell().map(c -> new Cell(apply(c.rows(), rot), c.pbc())).orElse(null);
        return new Structure(s.id(), s.numbers(), p, cell, Map.of(), Map.of());
    }

    static double[] apply(double[] rows, double[] rot) {
        double[] out = new double[rows.length];
        for (int i = 0; i < rows.length / 3; i++) {
            for (int c = 0; c < 3; c++) {
                out[3 * i + c] = rot[3 * c] * rows[3 * i] + rot[3 * c + 1] * rows[3 * i + 1] + rot[3 * c + 2] * rows[3 * i + 2];
            }
        }
        return out;
    }

    /** Atom perm[k] of the input becomes atom k of the output. */
    static Structure permuted(Structure s, int[] perm) {
        int[] z = new int[perm.length];
        double[] p = new double[3 * perm.length];
        for (int k = 0; k < perm.length; k++) {
            z[k] = s.number(perm[k]);
            for (int c = 0; c < 3; c++) {
                p[3 * k + c] = s.position(perm[k], c);
            }
        }
        return new Structure(s.id(), z, p, s.cell().orElse(null));
    }

    static int[] randomPermutation(int n, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        return perm;
    }

    /** The na x nb x nc supercell of a fully periodic cell; atom (image, i) at index image * n + i. */
    static Structure supercell(Structure s, int na, int nb, int nc) {
        Cell cell = s.cell().orElseThrow();
        double[] rows = cell.rows();
        int n = s.atomCount();
        int images = na * nb * nc;
        int[] z = new int[n * images];
        double[] p = new double[3 * n * images];
        int img = 0;
        for (int a = 0; a < na; a++) {
            for (int b = 0; b < nb; b++) {
                for (int c = 0; c < nc; c++) {
                    for (int i = 0; i < n; i++) {
                        int k = img * n + i;
                        z[k] = s.number(i);
                        for (int x = 0; x < 3; x++) {
                            p[3 * k + x] = s.position(i, x) + a * rows[x] + b * rows[3 + x] + c * rows[6 + x];
                        }
                    }
                    img++;
                }
            }
        }
        double[] big = rows.clone();
        for (int x = 0; x < 3; x++) {
            big[x] *= na;
            big[3 + x] *= nb;
            big[6 + x] *= nc;
        }
        return new Structure(s.id(), z, p, new Cell(big, cell.pbc()));
    }

    /** max |a - b| / max(1, max |a|). */
    static double relMaxDiff(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths " + a.length + " vs " + b.length);
        }
        double scale = 1;
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            scale = Math.max(scale, Math.abs(a[i]));
            d = Math.max(d, Math.abs(a[i] - b[i]));
        }
        return d / scale;
    }
}
