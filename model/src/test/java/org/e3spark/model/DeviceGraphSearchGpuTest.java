package org.e3spark.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.e3spark.data.SyntheticDataset;
import org.e3spark.data.Cell;
import org.e3spark.data.InvalidStructureException;
import org.e3spark.data.SampleDataset;
import org.e3spark.data.SampleStructures;
import org.e3spark.data.Structure;
import org.e3spark.graph.EdgeList;
import org.e3spark.graph.GraphBatch;
import org.e3spark.graph.RadiusGraph;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.gpu.GpuTest;
import org.e3spark.model.internal.gpu.DeviceFeaturizer;
import org.junit.jupiter.api.Test;

/**
 * Radius graphs searched on the GPU ({@link Featurizer#pipeline}) against graphs built on the host
 * ({@link RadiusGraph}) and uploaded: the device search promises the host's edges in the host's
 * order with bit-equal vectors, so features from the two paths must be bit-identical in both dtypes;
 * and against the CPU featurizer in float64. Structures: the sample, the synthetic set (strained fcc,
 * diamond, water boxes), and random triclinic cells smaller than the cutoff with mixed periodicity
 * and atoms outside the cell. Also: batches come back in order through the pipeline, a structure too
 * large for the device search takes the host search in between, bad species fail before the GPU.
 */
@GpuTest
class DeviceGraphSearchGpuTest {

    private static final FeaturizerModel MODEL = FeaturizerModel.seeded(FeaturizerConfig.bundled("featurizer-small"));

    /** Triclinic cells 1.5–6 Å (the cutoff is 4 Å: several images), random periodicity, atoms partly outside. */
    static List<Structure> randomCells(long seed, int count) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<Integer> species = MODEL.config().species();
        List<Structure> out = new ArrayList<>();
        for (int t = 0; t < count; t++) {
            double[] cell = new double[9];
            for (int k = 0; k < 3; k++) {
                double len = 1.5 + 4.5 * rng.nextDouble();
                cell[4 * k] = len;
                for (int c = 0; c < 3; c++) {
                    if (c != k) {
                        cell[3 * k + c] = (rng.nextDouble() - 0.5) * 0.6 * len;
                    }
                }
            }
            boolean[] pbc = {rng.nextDouble() < 0.8, rng.nextDouble() < 0.8, rng.nextDouble() < 0.8};
            int n = 1 + rng.nextInt(24);
            int[] z = new int[n];
            double[] pos = new double[3 * n];
            for (int i = 0; i < n; i++) {
                z[i] = species.get(rng.nextInt(species.size()));
                double[] f = {rng.nextDouble() * 1.6 - 0.3, rng.nextDouble() * 1.6 - 0.3, rng.nextDouble() * 1.6 - 0.3};
                for (int c = 0; c < 3; c++) {
                    pos[3 * i + c] = f[0] * cell[c] + f[1] * cell[3 + c] + f[2] * cell[6 + c];
                }
            }
            out.add(new Structure(5000 + t, z, pos, new Cell(cell, pbc)));
        }
        return out;
    }

    static BatchInput hostGraphs(List<Structure> structures) {
        RadiusGraph rg = MODEL.config().radiusGraph();
        List<EdgeList> graphs = new ArrayList<>();
        for (Structure s : structures) {
            graphs.add(rg.build(s));
        }
        return BatchInput.of(GraphBatch.pack(structures, graphs, null));
    }

    @Test
    void deviceSearchGivesTheHostGraphsFeaturesBitForBit() {
        List<List<Structure>> batches = List.of(SampleDataset.load(), SyntheticDataset.take(3, 40, 20, 200),
                randomCells(20261124L, 60));
        List<FeaturizerResult> cpu = new ArrayList<>();
        try (Featurizer f = Featurizer.create(MODEL, ComputeTarget.cpu(), DType.FLOAT64)) {
            for (List<Structure> b : batches) {
                cpu.add(f.featurize(hostGraphs(b), false));
            }
        }
        for (DType dtype : DType.values()) {
            try (Featurizer gpu = Featurizer.create(MODEL, ComputeTarget.cuda(-1), dtype)) {
                assertTrue(gpu.searchesOnDevice(), "CUDA featurizers search radius graphs on the device");
                for (int k = 0; k < batches.size(); k++) {
                    List<Structure> b = batches.get(k);
                    String where = dtype + " batch " + k + " (" + b.size() + " structures)";
                    FeaturizerResult searched = gpu.featurize(b, false);
                    FeaturizerResult uploaded = gpu.featurize(hostGraphs(b), false);
                    assertArrayEquals(uploaded.atomFeatures(), searched.atomFeatures(), where + ": atom features");
                    assertArrayEquals(uploaded.structureFeatures(), searched.structureFeatures(), where + ": pooled");
                    assertArrayEquals(uploaded.energies(), searched.energies(), where + ": scalars");
                    double d = Geometry.relMaxDiff(cpu.get(k).atomFeatures(), searched.atomFeatures());
                    System.out.printf("device search %s: bit-identical to host graphs; vs CPU float64 %.2e%n", where, d);
                    assertTrue(d <= (dtype == DType.FLOAT64 ? 1e-10 : 2e-4), where + ": differs from the CPU by " + d);
                    assertTrue(java.util.Arrays.stream(searched.atomFeatures()).anyMatch(v -> Math.abs(v) > 1e-2),
                            where + ": features are not trivially zero");
                }
            }
        }
    }

    @Test
    void pipelineDeliversEveryBatchInOrderAcrossSearchPaths() {
        List<Structure> data = SyntheticDataset.take(17, 90, 20, 200);
        // one structure above the device search's limit: the pipeline takes the host search for its batch
        Structure big = SampleStructures.fccConventional(29, 3.61, 11).withId(777_777); // 5,324 Cu atoms
        assertTrue(big.atomCount() > StructureBatch.DEVICE_SEARCH_MAX_ATOMS);
        List<List<Structure>> batches = new ArrayList<>();
        for (int k = 0; k < 6; k++) {
            batches.add(data.subList(15 * k, 15 * (k + 1)));
        }
        batches.add(3, List.of(big));
        try (Featurizer gpu = Featurizer.create(MODEL, ComputeTarget.cuda(-1), DType.FLOAT32)) {
            List<FeaturizerResult> got = new ArrayList<>();
            long batches0 = gpu.stats().batches();
            try (Featurizer.Pipeline p = gpu.pipeline(got::add)) {
                for (List<Structure> b : batches) {
                    p.submit(gpu.prepare(b));
                }
                assertTrue(got.size() < batches.size(), "the last batch is still queued before close");
                assertThrows(IllegalStateException.class, () -> gpu.pipeline(r -> { }), "one pipeline at a time");
            }
            assertEquals(batches.size(), got.size(), "every batch delivered");
            assertEquals(batches.size(), gpu.stats().batches() - batches0);
            for (int k = 0; k < batches.size(); k++) {
                FeaturizerResult want = gpu.featurize(hostGraphs(batches.get(k)), false);
                assertArrayEquals(want.structureIds(), got.get(k).structureIds(), "batch " + k + " in order");
                assertArrayEquals(want.atomFeatures(), got.get(k).atomFeatures(), "batch " + k + " atom features");
            }
            DeviceFeaturizer.Timings t = gpu.deviceTimings().orElseThrow();
            System.out.printf("pipeline: %d device batches, kernels %.2f ms, host waited %.2f ms%n", t.batches(),
                    t.kernelNanos() / 1e6, t.hostWaitNanos() / 1e6);
            assertTrue(t.kernelNanos() > 0);
            // species outside the model fail while packing, before anything reaches the device
            Structure bad = new Structure(9, new int[] {1, 92}, new double[] {0, 0, 0, 1, 0, 0}, null);
            InvalidStructureException e = assertThrows(InvalidStructureException.class,
                    () -> gpu.prepare(List.of(bad)));
            assertTrue(e.getMessage().contains("structure 9"), e.getMessage());
        }
    }
}
