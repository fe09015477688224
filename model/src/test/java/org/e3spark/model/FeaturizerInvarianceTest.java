package org.e3spark.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.e3spark.data.SampleDataset;
import org.e3spark.data.Structure;
import org.e3spark.kernels.DType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Invariant features stay invariant: rigid motions, atom order, periodic images. Seeds are fixed and printed. */
class FeaturizerInvarianceTest {

    static final long SEED = 1234;
    static FeaturizerModel model;
    static Featurizer f32;
    static List<Structure> sample;

    @BeforeAll
    static void setUp() {
        model = FeaturizerModel.seeded(FeaturizerConfig.bundled("featurizer-small"));
        f32 = Featurizer.create(model, ComputeTarget.cpu(), DType.FLOAT32);
        sample = SampleDataset.load();
        System.out.println("FeaturizerInvarianceTest seed " + SEED);
    }

    @AfterAll
    static void tearDown() {
        f32.close();
    }

    @Test
    void rotatingAndTranslatingEveryStructureKeepsInvariantFeaturesFloat32() {
        FeaturizerResult before = f32.featurize(sample, false);
        List<Structure> moved = new ArrayList<>();
        for (int k = 0; k < sample.size(); k++) {
            double[] t = {3.1 * k - 7, 0.7 * k, -2.3};
            moved.add(Geometry.moved(sample.get(k), Geometry.rotation(SEED + k), t));
        }
        FeaturizerResult after = f32.featurize(moved, false);
        double atom = Geometry.relMaxDiff(before.atomFeatures(), after.atomFeatures());
        double struct = Geometry.relMaxDiff(before.structureFeatures(), after.structureFeatures());
        double energy = Geometry.relMaxDiff(before.energies(), after.energies());
        System.out.printf("rotation+translation, float32: atom %.2e, structure %.2e, scalar %.2e%n", atom, struct, energy);
        assertTrue(atom <= 1e-5, "per-atom features changed by " + atom);
        assertTrue(struct <= 1e-5, "per-structure features changed by " + struct);
        assertTrue(energy <= 1e-5, "pooled scalar changed by " + energy);
        assertTrue(Arrays.stream(before.atomFeatures()).anyMatch(v -> Math.abs(v) > 1e-2), "features are not trivially zero");
    }

    @Test
    void permutingAtomsPermutesPerAtomFeatures() {
        List<Structure> picked = List.of(sample.get(0), sample.getLast());
        for (Structure s : picked) {
            int[] perm = Geometry.randomPermutation(s.atomCount(), SEED);
            FeaturizerResult a = f32.featurize(List.of(s), false);
            FeaturizerResult b = f32.featurize(List.of(Geometry.permuted(s, perm)), false);
            int w = a.atomWidth();
            double[] expected = new double[b.atomFeatures().length];
            for (int k = 0; k < perm.length; k++) {
                System.arraycopy(a.atomFeatures(), perm[k] * w, expected, k * w, w);
            }
            double d = Geometry.relMaxDiff(expected, b.atomFeatures());
            assertTrue(d <= 1e-5, s + ": permuted per-atom features differ by " + d);
            assertTrue(Geometry.relMaxDiff(a.structureFeatures(), b.structureFeatures()) <= 1e-5);
        }
    }

    @Test
    void periodicSupercellGivesTheUnitCellsPerAtomFeatures() {
        for (Structure unit : sample) {
            if (!unit.periodic() || !unit.cell().orElseThrow().pbc()[2] || unit.atomCount() > 8) {
                continue; // small fully periodic cells: the one-atom Cu and four-atom Al cells
            }
            Structure big = Geometry.supercell(unit, 2, 2, 3);
            FeaturizerResult a = f32.featurize(List.of(unit), false);
            FeaturizerResult b = f32.featurize(List.of(big), false);
            int w = a.atomWidth();
            int n = unit.atomCount();
            for (int k = 0; k < big.atomCount(); k++) {
                double[] x = Arrays.copyOfRange(a.atomFeatures(), (k % n) * w, (k % n + 1) * w);
                double[] y = Arrays.copyOfRange(b.atomFeatures(), k * w, (k + 1) * w);
                double d = Geometry.relMaxDiff(x, y);
                assertTrue(d <= 1e-5, unit + ": supercell atom " + k + " differs from its unit-cell atom by " + d);
            }
            // Mean pooling is extensive-free: the supercell's mean equals the unit cell's mean.
            assertArrayEquals(Arrays.copyOfRange(a.structureFeatures(), w, 2 * w),
                    Arrays.copyOfRange(b.structureFeatures(), w, 2 * w), 1e-4);
            assertEquals(12 * a.energies()[0], b.energies()[0], 1e-4 * Math.max(1, Math.abs(b.energies()[0])));
        }
    }

    @Test
    void float32AgreesWithFloat64() {
        try (Featurizer f64 = Featurizer.create(model, ComputeTarget.cpu(), DType.FLOAT64)) {
            FeaturizerResult a = f64.featurize(sample, false);
            FeaturizerResult b = f32.featurize(sample, false);
            double d = Geometry.relMaxDiff(a.atomFeatures(), b.atomFeatures());
            System.out.printf("float32 vs float64 per-atom features: %.2e%n", d);
            assertTrue(d <= 1e-5, "float32 differs from float64 by " + d);
        }
    }
}
