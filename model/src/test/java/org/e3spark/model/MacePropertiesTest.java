package org.e3spark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.e3spark.data.Cell;
import org.e3spark.data.Structure;
import org.e3spark.kernels.DType;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Physical properties of MACE evaluations (on the golden models and structures): invariance under
 * rotations, translations, permutations and periodic images; forces and stress against finite
 * differences of the energy; a batch equals its structures one by one. Seeds are fixed and printed.
 */
class MacePropertiesTest {

    @TempDir
    static Path tmp;

    private static MacePotential potential(String name) {
        MaceGoldens.Case c = MaceGoldens.load("e3nn-0.4.4", name, tmp);
        return MacePotential.create(c.model(), ComputeTarget.cpu(), DType.FLOAT64);
    }

    private static List<Structure> structures(String name) {
        return MaceGoldens.load("e3nn-0.4.4", name, tmp).structures();
    }

    @ParameterizedTest
    @ValueSource(strings = {"mace_small", "mace_zbl_agnesi"})
    void rotationsAndTranslationsLeaveEnergiesAndDescriptorsAndRotateForcesAndStress(String name) {
        long seed = 1501;
        System.out.println("rotation seed " + seed);
        double[] rot = Geometry.rotation(seed);
        double[] t = {0.37, -1.21, 2.05};
        List<Structure> ss = structures(name);
        List<Structure> moved = new ArrayList<>();
        for (Structure s : ss) {
            moved.add(Geometry.moved(s, rot, t));
        }
        try (MacePotential pot = potential(name)) {
            MaceResult a = pot.evaluate(ss, true, true);
            MaceResult b = pot.evaluate(moved, true, true);
            assertTrue(Geometry.relMaxDiff(a.energies(), b.energies()) < 1e-12, "energies");
            assertTrue(Geometry.relMaxDiff(a.descriptors(), b.descriptors()) < 1e-10, "descriptors");
            assertTrue(Geometry.relMaxDiff(Geometry.apply(a.forces(), rot), b.forces()) < 1e-10, "forces rotate");
            double[] sa = a.stress();
            double[] rotated = new double[sa.length];
            for (int s = 0; s < ss.size(); s++) {
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < 3; j++) {
                        double v = 0;
                        for (int k = 0; k < 3; k++) {
                            for (int l = 0; l < 3; l++) {
                                v += rot[3 * i + k] * sa[9 * s + 3 * k + l] * rot[3 * j + l];
                            }
                        }
                        rotated[9 * s + 3 * i + j] = v;
                    }
                }
            }
            assertTrue(Geometry.relMaxDiff(rotated, b.stress()) < 1e-10, "stress rotates");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mace_small", "mace_zbl_agnesi"})
    void permutingAtomsPermutesResults(String name) {
        List<Structure> ss = structures(name);
        try (MacePotential pot = potential(name)) {
            for (int s = 0; s < ss.size(); s++) {
                Structure st = ss.get(s);
                int[] perm = Geometry.randomPermutation(st.atomCount(), 77 + s);
                MaceResult a = pot.evaluate(List.of(st), true, true);
                MaceResult b = pot.evaluate(List.of(Geometry.permuted(st, perm)), true, true);
                assertEquals(a.energies()[0], b.energies()[0], 1e-12 * Math.abs(a.energies()[0]));
                double[] fa = a.forces();
                double[] fb = b.forces();
                double[] da = a.descriptors();
                double[] db = b.descriptors();
                int dd = a.descriptorDim();
                for (int k = 0; k < perm.length; k++) {
                    for (int x = 0; x < 3; x++) {
                        assertEquals(fa[3 * perm[k] + x], fb[3 * k + x], 1e-10, "force of atom " + perm[k]);
                    }
                    for (int q = 0; q < dd; q++) {
                        assertEquals(da[perm[k] * dd + q], db[k * dd + q], 1e-10, "descriptor of atom " + perm[k]);
                    }
                }
                assertTrue(Geometry.relMaxDiff(a.stress(), b.stress()) < 1e-10, "stress");
            }
        }
    }

    /** Wrapping atoms by lattice vectors changes nothing; a supercell repeats energies, forces and descriptors. */
    @ParameterizedTest
    @ValueSource(strings = {"mace_small", "mace_zbl_agnesi"})
    void periodicImagesAndSupercellsAreTheSameCrystal(String name) {
        List<Structure> ss = structures(name);
        try (MacePotential pot = potential(name)) {
            for (Structure st : ss) {
                if (!st.periodic()) {
                    continue;
                }
                Cell cell = st.cell().orElseThrow();
                double[] rows = cell.rows();
                boolean[] pbc = cell.pbc();
                double[] p = st.positions();
                for (int i = 0; i < st.atomCount(); i++) {
                    for (int k = 0; k < 3; k++) {
                        if (pbc[k]) {
                            int m = (i + k) % 3 - 1; // -1, 0 or +1 lattice vectors
                            for (int x = 0; x < 3; x++) {
                                p[3 * i + x] += m * rows[3 * k + x];
                            }
                        }
                    }
                }
                Structure wrapped = new Structure(st.id(), st.numbers(), p, cell);
                MaceResult a = pot.evaluate(List.of(st), true, true);
                MaceResult w = pot.evaluate(List.of(wrapped), true, true);
                assertTrue(Geometry.relMaxDiff(a.energies(), w.energies()) < 1e-12, "wrapped energy");
                assertTrue(Geometry.relMaxDiff(a.forces(), w.forces()) < 1e-10, "wrapped forces");
                assertTrue(Geometry.relMaxDiff(a.stress(), w.stress()) < 1e-10, "wrapped stress");
                assertTrue(Geometry.relMaxDiff(a.descriptors(), w.descriptors()) < 1e-10, "wrapped descriptors");

                int na = 2;
                int nb = pbc[1] ? 2 : 1;
                int nc = 1;
                Structure big = Geometry.supercell(st, na, nb, nc);
                int images = na * nb * nc;
                MaceResult b = pot.evaluate(List.of(big), true, true);
                assertEquals(images * a.energies()[0], b.energies()[0], 1e-11 * Math.abs(b.energies()[0]), "supercell energy");
                assertTrue(Geometry.relMaxDiff(a.stress(), b.stress()) < 1e-10, "supercell stress");
                int n = st.atomCount();
                int dd = a.descriptorDim();
                for (int img = 0; img < images; img++) {
                    for (int i = 0; i < n; i++) {
                        for (int x = 0; x < 3; x++) {
                            assertEquals(a.forces()[3 * i + x], b.forces()[3 * (img * n + i) + x], 1e-10, "supercell force");
                        }
                        for (int q = 0; q < dd; q++) {
                            assertEquals(a.descriptors()[i * dd + q], b.descriptors()[(img * n + i) * dd + q], 1e-10,
                                    "supercell descriptor");
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mace_small", "mace_zbl_agnesi"})
    void forcesAreMinusFiniteDifferencesOfTheEnergy(String name) {
        List<Structure> ss = structures(name);
        double h = 1e-5;
        try (MacePotential pot = potential(name)) {
            for (Structure st : ss) {
                double[] f = pot.evaluate(List.of(st), true, false).forces();
                for (int k = 0; k < 3; k++) {
                    int i = (k * 5) % st.atomCount();
                    int x = k;
                    double[] plus = st.positions();
                    double[] minus = st.positions();
                    plus[3 * i + x] += h;
                    minus[3 * i + x] -= h;
                    double ep = pot.evaluate(List.of(new Structure(st.id(), st.numbers(), plus, st.cell().orElse(null))),
                            false, false).energies()[0];
                    double em = pot.evaluate(List.of(new Structure(st.id(), st.numbers(), minus, st.cell().orElse(null))),
                            false, false).energies()[0];
                    double fd = -(ep - em) / (2 * h);
                    assertEquals(fd, f[3 * i + x], 1e-6 * Math.max(1, Math.abs(fd)), st.id() + ": atom " + i + " axis " + x);
                }
            }
        }
    }

    /** stress_ab = (1/V) dE/d(eps_ab) for the symmetric strain x -> x (1 + eps), cell rows likewise. */
    @ParameterizedTest
    @ValueSource(strings = {"mace_small", "mace_zbl_agnesi"})
    void stressIsTheStrainDerivativeOverTheVolume(String name) {
        List<Structure> ss = structures(name);
        double h = 1e-5;
        try (MacePotential pot = potential(name)) {
            for (Structure st : ss) {
                if (!st.periodic()) {
                    continue;
                }
                double[] sigma = pot.evaluate(List.of(st), false, true).stress();
                double[] rows = st.cell().orElseThrow().rows();
                double volume = Math.abs(rows[0] * (rows[4] * rows[8] - rows[5] * rows[7])
                        - rows[1] * (rows[3] * rows[8] - rows[5] * rows[6]) + rows[2] * (rows[3] * rows[7] - rows[4] * rows[6]));
                int[][] pairs = {{0, 0}, {1, 1}, {2, 2}, {0, 1}, {1, 2}, {0, 2}};
                for (int[] ab : pairs) {
                    double ep = pot.evaluate(List.of(strained(st, ab[0], ab[1], h)), false, false).energies()[0];
                    double em = pot.evaluate(List.of(strained(st, ab[0], ab[1], -h)), false, false).energies()[0];
                    double fd = (ep - em) / (2 * h) / volume;
                    assertEquals(fd, sigma[3 * ab[0] + ab[1]], 1e-7 * Math.max(1e-3, Math.abs(fd)) + 1e-9,
                            st.id() + ": stress " + ab[0] + ab[1]);
                }
            }
        }
    }

    private static Structure strained(Structure s, int a, int b, double h) {
        double[] eps = new double[9];
        eps[3 * a + b] += h / 2;
        eps[3 * b + a] += h / 2;
        double[] p = strain(s.positions(), eps);
        Cell c = s.cell().orElseThrow();
        return new Structure(s.id(), s.numbers(), p, new Cell(strain(c.rows(), eps), c.pbc()));
    }

    private static double[] strain(double[] rows, double[] eps) {
        double[] out = rows.clone();
        for (int i = 0; i < rows.length / 3; i++) {
            for (int c = 0; c < 3; c++) {
                for (int e = 0; e < 3; e++) {
                    out[3 * i + c] += rows[3 * i + e] * eps[3 * e + c];
                }
            }
        }
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"mace_small", "mace_zbl_agnesi"})
    void aBatchEqualsItsStructuresOneByOne(String name) {
        List<Structure> ss = structures(name);
        try (MacePotential pot = potential(name)) {
            MaceResult all = pot.evaluate(ss, true, true);
            int atom = 0;
            for (int s = 0; s < ss.size(); s++) {
                MaceResult one = pot.evaluate(List.of(ss.get(s)), true, true);
                int n = ss.get(s).atomCount();
                assertEquals(one.energies()[0], all.energies()[s], 1e-12 * Math.abs(one.energies()[0]));
                for (int q = 0; q < 3 * n; q++) {
                    assertEquals(one.forces()[q], all.forces()[3 * atom + q], 1e-12);
                }
                for (int q = 0; q < 9; q++) {
                    assertEquals(one.stress()[q], all.stress()[9 * s + q], 1e-13);
                }
                int dd = one.descriptorDim();
                for (int q = 0; q < n * dd; q++) {
                    assertEquals(one.descriptors()[q], all.descriptors()[atom * dd + q], 1e-12);
                }
                atom += n;
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mace_small"})
    void anUnknownElementNamesTheStructureAndTheElement(String name) {
        Structure gold = new Structure(42, new int[] {1, 79}, new double[] {0, 0, 0, 0, 0, 1.5}, null);
        try (MacePotential pot = potential(name)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> pot.evaluate(List.of(gold), false, false));
            assertTrue(e.getMessage().contains("structure 42") && e.getMessage().contains("79"), e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mace_small"})
    void aCudaTargetIsRefusedForNow(String name) {
        MaceModel m = MaceGoldens.load("e3nn-0.4.4", name, tmp).model();
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> MacePotential.create(m, ComputeTarget.cuda(0), DType.FLOAT32));
        assertTrue(e.getMessage().contains("not yet"), e.getMessage());
        try (MacePotential auto = MacePotential.create(m, ComputeTarget.auto(-1), DType.FLOAT64)) {
            assertEquals(1, auto.evaluate(List.of(new Structure(1, new int[] {1, 8},
                    new double[] {0, 0, 0, 0.9, 0, 0}, null)), false, false).structureCount());
        }
    }

    /** An isolated atom has no edges: E0 + scale * readouts + shift, zero force, zero stress. */
    @ParameterizedTest
    @ValueSource(strings = {"mace_small", "mace_zbl_agnesi"})
    void anAtomWithoutNeighboursGetsItsSelfEnergyAndNoForce(String name) {
        try (MacePotential pot = potential(name)) {
            Structure lone = new Structure(7, new int[] {8}, new double[] {1, 2, 3}, org.e3spark.data.Cell.orthorhombic(20, 20, 20));
            MaceResult r = pot.evaluate(List.of(lone), true, true);
            assertTrue(Double.isFinite(r.energies()[0]));
            for (double f : r.forces()) {
                assertEquals(0.0, f);
            }
            for (double s : r.stress()) {
                assertEquals(0.0, s);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mace_small"})
    void anEmptyBatchGivesAnEmptyResult(String name) {
        try (MacePotential pot = potential(name)) {
            MaceResult r = pot.evaluate(List.of(), true, true);
            assertEquals(0, r.structureCount());
            assertEquals(0, r.forces().length);
            assertEquals(64, r.descriptorDim());
        }
    }
}
