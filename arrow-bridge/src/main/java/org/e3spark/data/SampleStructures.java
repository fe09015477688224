package org.e3spark.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Physically plausible structures built from textbook geometries: FCC metals and diamond from
 * their lattice constants, water boxes at 1 g/cm^3 from the experimental monomer geometry
 * (O-H 0.9572 Å, H-O-H 104.52°), isolated molecules from standard bond lengths and tetrahedral
 * or hexagonal angles. The bundled sample dataset ({@link SampleDataset}) is {@link #bundled()};
 * {@link SyntheticDataset} perturbs these for benchmarks. Deterministic: seeded randomness only.
 */
public final class SampleStructures {

    private static final double[][] TETRAHEDRON = unitRows(new double[][] {{1, 1, 1}, {1, -1, -1}, {-1, 1, -1}, {-1, -1, 1}});

    private SampleStructures() {
    }

    /** The bundled sample, in file order (ids 0..). */
    public static List<Structure> bundled() {
        List<Structure> out = new ArrayList<>();
        out.add(tag(waterBox(3, 11), "water-box"));
        out.add(tag(waterBox(4, 12), "water-box"));
        out.add(tag(diamond(3.567, 2), "diamond-2x2x2"));
        out.add(tag(fccPrimitive(29, 3.615), "fcc-cu-primitive"));
        out.add(tag(fccConventional(13, 4.05, 1), "fcc-al-conventional"));
        out.add(tag(graphene(2.46, 3), "graphene-3x3-slab"));
        out.add(tag(methane(), "molecule-methane"));
        out.add(tag(ethanol(), "molecule-ethanol"));
        out.add(tag(benzene(), "molecule-benzene"));
        List<Structure> ided = new ArrayList<>();
        for (int k = 0; k < out.size(); k++) {
            ided.add(out.get(k).withId(k));
        }
        return ided;
    }

    private static Structure tag(Structure s, String type) {
        return new Structure(s.id(), s.numbers(), s.positions(), s.cell().orElse(null),
                Map.of("config_type", new Property.Text(type)), Map.of());
    }

    /** FCC primitive cell (1 atom), vectors a/2 (0,1,1), (1,0,1), (1,1,0). */
    public static Structure fccPrimitive(int z, double a) {
        double h = a / 2;
        return new Structure(0, new int[] {z}, new double[] {0, 0, 0},
                Cell.periodic(new double[] {0, h, h, h, 0, h, h, h, 0}));
    }

    /** FCC conventional cubic cell (4 atoms) repeated n times along each axis. */
    public static Structure fccConventional(int z, double a, int n) {
        return cubic(z, a, n, new double[][] {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0}});
    }

    /** Diamond conventional cubic cell (8 atoms of carbon) repeated n times along each axis. */
    public static Structure diamond(double a, int n) {
        double[][] fcc = {{0, 0, 0}, {0, .5, .5}, {.5, 0, .5}, {.5, .5, 0}};
        double[][] basis = new double[8][];
        for (int k = 0; k < 4; k++) {
            basis[k] = fcc[k];
            basis[k + 4] = new double[] {fcc[k][0] + .25, fcc[k][1] + .25, fcc[k][2] + .25};
        }
        return cubic(6, a, n, basis);
    }

    private static Structure cubic(int z, double a, int n, double[][] basis) {
        int atoms = basis.length * n * n * n;
        int[] numbers = new int[atoms];
        double[] pos = new double[3 * atoms];
        int k = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int l = 0; l < n; l++) {
                    for (double[] b : basis) {
                        numbers[k] = z;
                        pos[3 * k] = round((i + b[0]) * a);
                        pos[3 * k + 1] = round((j + b[1]) * a);
                        pos[3 * k + 2] = round((l + b[2]) * a);
                        k++;
                    }
                }
            }
        }
        return new Structure(0, numbers, pos, Cell.orthorhombic(n * a, n * a, n * a));
    }

    /** An n x n graphene sheet (C-C = a / sqrt 3), periodic in-plane, c = 0 and not periodic. */
    public static Structure graphene(double a, int n) {
        double[] a1 = {a, 0, 0};
        double[] a2 = {a / 2, a * Math.sqrt(3) / 2, 0};
        int atoms = 2 * n * n;
        int[] numbers = new int[atoms];
        double[] pos = new double[3 * atoms];
        int k = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (double[] f : new double[][] {{0, 0}, {1.0 / 3, 1.0 / 3}}) {
                    numbers[k] = 6;
                    for (int c = 0; c < 3; c++) {
                        pos[3 * k + c] = round((i + f[0]) * a1[c] + (j + f[1]) * a2[c]);
                    }
                    k++;
                }
            }
        }
        double[] cell = {round(n * a1[0]), round(n * a1[1]), 0, round(n * a2[0]), round(n * a2[1]), 0, 0, 0, 0};
        return new Structure(0, numbers, pos, new Cell(cell, new boolean[] {true, true, false}));
    }

    /**
     * A cubic box of n^3 water molecules at 1.0 g/cm^3 (29.9 Å^3 per molecule), oxygens on a grid
     * with small seeded displacements, orientations seeded and rejected until every
     * intermolecular distance (minimum image) is at least 1.5 Å.
     */
    public static Structure waterBox(int n, long seed) {
        int molecules = n * n * n;
        double box = round(Math.cbrt(molecules * 18.015 / 0.60221408));
        double spacing = box / n;
        SplittableRandom rng = new SplittableRandom(seed);
        double[] pos = new double[9 * molecules];
        int[] numbers = new int[3 * molecules];
        int m = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int l = 0; l < n; l++) {
                    double[] o = {(i + .5) * spacing, (j + .5) * spacing, (l + .5) * spacing};
                    for (int attempt = 0; ; attempt++) {
                        double[] candidate = water(rng, o, 0.15);
                        if (clear(candidate, pos, 3 * m, box, 1.5) || attempt > 1000) {
                            System.arraycopy(candidate, 0, pos, 9 * m, 9);
                            break;
                        }
                    }
                    numbers[3 * m] = 8;
                    numbers[3 * m + 1] = 1;
                    numbers[3 * m + 2] = 1;
                    m++;
                }
            }
        }
        for (int k = 0; k < pos.length; k++) {
            pos[k] = round(pos[k]);
        }
        return new Structure(0, numbers, pos, Cell.orthorhombic(box, box, box));
    }

    private static double[] water(SplittableRandom rng, double[] o, double jitter) {
        double half = Math.toRadians(104.52) / 2;
        double[][] local = {{0, 0, 0}, {0.9572 * Math.sin(half), 0.9572 * Math.cos(half), 0},
            {-0.9572 * Math.sin(half), 0.9572 * Math.cos(half), 0}};
        double[] rot = randomRotation(rng);
        double[] out = new double[9];
        for (int a = 0; a < 3; a++) {
            for (int c = 0; c < 3; c++) {
                double v = o[c];
                for (int d = 0; d < 3; d++) {
                    v += rot[3 * c + d] * local[a][d];
                }
                out[3 * a + c] = v;
            }
        }
        double[] shift = {jitter * (2 * rng.nextDouble() - 1), jitter * (2 * rng.nextDouble() - 1),
            jitter * (2 * rng.nextDouble() - 1)};
        for (int k = 0; k < 9; k++) {
            out[k] += shift[k % 3];
        }
        return out;
    }

    private static boolean clear(double[] candidate, double[] placed, int count, double box, double min) {
        for (int a = 0; a < 3; a++) {
            for (int p = 0; p < count; p++) {
                double d2 = 0;
                for (int c = 0; c < 3; c++) {
                    double d = candidate[3 * a + c] - placed[3 * p + c];
                    d -= box * Math.rint(d / box);
                    d2 += d * d;
                }
                if (d2 < min * min) {
                    return false;
                }
            }
        }
        return true;
    }

    /** A uniformly random rotation matrix (row-major) from a random unit quaternion. */
    static double[] randomRotation(SplittableRandom rng) {
        double[] q = new double[4];
        double norm;
        do {
            norm = 0;
            for (int k = 0; k < 4; k++) {
                q[k] = 2 * rng.nextDouble() - 1;
                norm += q[k] * q[k];
            }
        } while (norm > 1 || norm < 1e-6);
        norm = Math.sqrt(norm);
        double w = q[0] / norm;
        double x = q[1] / norm;
        double y = q[2] / norm;
        double z = q[3] / norm;
        return new double[] {
            1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
            2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
            2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)};
    }

    /** CH4: C-H 1.087 Å, tetrahedral. */
    public static Structure methane() {
        double[] pos = new double[15];
        for (int k = 0; k < 4; k++) {
            for (int c = 0; c < 3; c++) {
                pos[3 * (k + 1) + c] = round(1.087 * TETRAHEDRON[k][c]);
            }
        }
        return new Structure(0, new int[] {6, 1, 1, 1, 1}, pos, null);
    }

    /** C2H5OH, staggered: C-C 1.512, C-O 1.43, C-H 1.09, O-H 0.96 Å, tetrahedral angles. */
    public static Structure ethanol() {
        double[][] t = TETRAHEDRON;
        double[] c1 = {0, 0, 0};
        double[] c2 = add(c1, 1.512, t[0]);
        double[] o = add(c2, -1.43, t[1]);
        double[][] atoms = {c1, c2, o, add(c1, 1.09, t[1]), add(c1, 1.09, t[2]), add(c1, 1.09, t[3]),
            add(c2, -1.09, t[2]), add(c2, -1.09, t[3]), add(o, 0.96, t[0])};
        double[] pos = new double[3 * atoms.length];
        for (int k = 0; k < atoms.length; k++) {
            for (int c = 0; c < 3; c++) {
                pos[3 * k + c] = round(atoms[k][c]);
            }
        }
        return new Structure(0, new int[] {6, 6, 8, 1, 1, 1, 1, 1, 1}, pos, null);
    }

    /** C6H6: planar hexagon, C-C 1.397, C-H 1.084 Å. */
    public static Structure benzene() {
        int[] numbers = new int[12];
        double[] pos = new double[36];
        for (int k = 0; k < 6; k++) {
            double phi = Math.PI / 3 * k;
            numbers[k] = 6;
            numbers[k + 6] = 1;
            pos[3 * k] = round(1.397 * Math.cos(phi));
            pos[3 * k + 1] = round(1.397 * Math.sin(phi));
            pos[3 * (k + 6)] = round((1.397 + 1.084) * Math.cos(phi));
            pos[3 * (k + 6) + 1] = round((1.397 + 1.084) * Math.sin(phi));
        }
        return new Structure(0, numbers, pos, null);
    }

    private static double[] add(double[] p, double len, double[] dir) {
        return new double[] {p[0] + len * dir[0], p[1] + len * dir[1], p[2] + len * dir[2]};
    }

    private static double[][] unitRows(double[][] rows) {
        for (double[] r : rows) {
            double n = Math.sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
            for (int c = 0; c < 3; c++) {
                r[c] /= n;
            }
        }
        return rows;
    }

    /** Coordinates to 1e-6 Å, so that written files are short and exact. */
    static double round(double v) {
        double r = Math.rint(v * 1e6) / 1e6;
        return r == 0 ? 0.0 : r; // no -0.0
    }
}
