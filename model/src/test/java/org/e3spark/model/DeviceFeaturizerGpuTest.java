package org.e3spark.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.e3spark.data.SyntheticDataset;
import org.e3spark.data.SampleDataset;
import org.e3spark.data.Structure;
import org.e3spark.kernels.Backend;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.gpu.GpuTest;
import org.e3spark.model.internal.gpu.DeviceFeaturizer;
import org.junit.jupiter.api.Test;

/**
 * The featurizer's forward pass wholly on the GPU against the host path on the CPU in float64 (the
 * oracle: dense stages in Java, convolutions on the exact CPU engine): both configs, both dtypes,
 * batches that grow and shrink (reused device buffers), a lone atom with no edges, reproducibility,
 * rotation invariance; and forces on CUDA (host stages, device convolutions) against the CPU.
 */
@GpuTest
class DeviceFeaturizerGpuTest {

    /** float64 on the device against float64 on the host: summation order differs, nothing else. */
    static final double F64_TOLERANCE = 1e-10;
    /** float32 everywhere on the device against float64. */
    static final double F32_TOLERANCE = 2e-4;

    static List<List<Structure>> batches() {
        List<Structure> sample = SampleDataset.load();
        List<Structure> synthetic = SyntheticDataset.take(11, 48, 20, 200);
        Structure lone = new Structure(900, new int[] {8, 1}, new double[] {0, 0, 0, 30, 0, 0}, null);
        List<Structure> withLone = new ArrayList<>(synthetic.subList(0, 3));
        withLone.add(lone);
        // small, larger (buffers grow), small again (reused), then one with an edgeless structure
        return List.of(sample, synthetic.subList(0, 8), synthetic.subList(8, 48), sample.subList(0, 2), withLone);
    }

    @Test
    void bundledModelMatchesTheHostPath() {
        compareWithHost(FeaturizerModel.seeded(FeaturizerConfig.bundled("featurizer-small")));
    }

    @Test
    void wideModelMatchesTheHostPath() {
        compareWithHost(FeaturizerModel.seeded(FeaturizerConfigs.wide()));
    }

    private static void compareWithHost(FeaturizerModel model) {
        List<List<Structure>> batches = batches();
        List<FeaturizerResult> expected = new ArrayList<>();
        try (Featurizer cpu = Featurizer.create(model, ComputeTarget.cpu(), DType.FLOAT64)) {
            for (List<Structure> b : batches) {
                expected.add(cpu.featurize(b, false));
            }
        }
        for (DType dtype : DType.values()) {
            double tol = dtype == DType.FLOAT64 ? F64_TOLERANCE : F32_TOLERANCE;
            try (Featurizer gpu = Featurizer.create(model, ComputeTarget.cuda(-1), dtype)) {
                assertEquals(Backend.CUDA, gpu.backend());
                assertTrue(gpu.deviceTimings().isPresent(), "CUDA featurizers run the forward pass on the device");
                for (int k = 0; k < batches.size(); k++) {
                    FeaturizerResult got = gpu.featurize(batches.get(k), false);
                    FeaturizerResult want = expected.get(k);
                    String where = model.config().name() + " " + dtype + " batch " + k + " (" + batches.get(k).size()
                            + " structures)";
                    double atom = Geometry.relMaxDiff(want.atomFeatures(), got.atomFeatures());
                    double struct = Geometry.relMaxDiff(want.structureFeatures(), got.structureFeatures());
                    double energy = Geometry.relMaxDiff(want.energies(), got.energies());
                    System.out.printf("%s: atom %.2e, structure %.2e, scalar %.2e%n", where, atom, struct, energy);
                    assertTrue(atom <= tol, where + ": atom features differ by " + atom);
                    assertTrue(struct <= tol, where + ": structure features differ by " + struct);
                    assertTrue(energy <= tol, where + ": scalars differ by " + energy);
                    assertArrayEquals(want.structureIds(), got.structureIds(), where);
                    assertTrue(Arrays.stream(got.atomFeatures()).anyMatch(v -> Math.abs(v) > 1e-2),
                            where + ": features are not trivially zero");
                }
                // the same batch again: bit-identical (fixed summation orders, deterministic convolutions)
                FeaturizerResult a = gpu.featurize(batches.get(2), false);
                FeaturizerResult b = gpu.featurize(batches.get(2), false);
                assertArrayEquals(a.atomFeatures(), b.atomFeatures(), "reproducible atom features");
                assertArrayEquals(a.structureFeatures(), b.structureFeatures(), "reproducible structure features");
                DeviceFeaturizer.Timings t = gpu.deviceTimings().orElseThrow();
                System.out.printf("%s %s timings over %d batches: prepare %.1f ms, upload %.1f ms, kernels %.1f ms, "
                                + "download %.1f ms%n", model.config().name(), dtype, t.batches(), t.prepareNanos() / 1e6,
                        t.uploadNanos() / 1e6, t.kernelNanos() / 1e6, t.downloadNanos() / 1e6);
                assertTrue(t.kernelNanos() > 0, "kernel time measured");
            }
        }
    }

    @Test
    void rotatingEveryStructureKeepsDeviceFeaturesInvariant() {
        FeaturizerModel model = FeaturizerModel.seeded(FeaturizerConfig.bundled("featurizer-small"));
        List<Structure> sample = SampleDataset.load();
        List<Structure> moved = new ArrayList<>();
        for (int k = 0; k < sample.size(); k++) {
            moved.add(Geometry.moved(sample.get(k), Geometry.rotation(77 + k), new double[] {1.5 * k, -2, 0.25}));
        }
        try (Featurizer gpu = Featurizer.create(model, ComputeTarget.cuda(-1), DType.FLOAT32)) {
            FeaturizerResult before = gpu.featurize(sample, false);
            FeaturizerResult after = gpu.featurize(moved, false);
            double atom = Geometry.relMaxDiff(before.atomFeatures(), after.atomFeatures());
            double struct = Geometry.relMaxDiff(before.structureFeatures(), after.structureFeatures());
            System.out.printf("device float32 rotation+translation: atom %.2e, structure %.2e%n", atom, struct);
            assertTrue(atom <= 2e-5, "per-atom features changed by " + atom);
            assertTrue(struct <= 2e-5, "per-structure features changed by " + struct);
        }
    }

    @Test
    void forcesOnCudaMatchTheCpu() {
        FeaturizerModel model = FeaturizerModel.seeded(FeaturizerConfig.bundled("featurizer-small"));
        List<Structure> batch = SyntheticDataset.take(5, 6, 20, 80);
        FeaturizerResult want;
        try (Featurizer cpu = Featurizer.create(model, ComputeTarget.cpu(), DType.FLOAT64)) {
            want = cpu.featurize(batch, true);
        }
        try (Featurizer gpu = Featurizer.create(model, ComputeTarget.cuda(-1), DType.FLOAT64)) {
            FeaturizerResult got = gpu.featurize(batch, true);
            assertNotNull(got.forcesOrNull());
            double d = Geometry.relMaxDiff(want.forcesOrNull(), got.forcesOrNull());
            double e = Geometry.relMaxDiff(want.energies(), got.energies());
            System.out.printf("forces on CUDA float64 vs CPU: %.2e (scalars %.2e)%n", d, e);
            assertTrue(d <= 1e-9, "forces differ by " + d);
            assertTrue(e <= 1e-9, "scalars differ by " + e);
        }
    }
}
