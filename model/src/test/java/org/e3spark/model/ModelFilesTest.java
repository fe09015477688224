package org.e3spark.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.e3spark.arrow.ArrowGraphBatch;
import org.e3spark.data.InvalidStructureException;
import org.e3spark.data.SampleDataset;
import org.e3spark.data.Structure;
import org.e3spark.graph.EdgeList;
import org.e3spark.graph.GraphBatch;
import org.e3spark.kernels.DType;
import org.e3spark.model.internal.RadialBasis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Config files, safetensors weights, seeded initialization, batch inputs. */
class ModelFilesTest {

    static final FeaturizerConfig SMALL = FeaturizerConfig.bundled("featurizer-small");

    @Test
    void bundledConfigEqualsConfFileAndRoundTripsThroughJson() {
        FeaturizerConfig file = FeaturizerConfig.read(Path.of("../conf/featurizer-small.json"));
        assertEquals(SMALL, file);
        assertEquals(SMALL, FeaturizerConfig.parse(SMALL.toJson(), "canonical"));
        assertEquals(2, SMALL.numLayers());
        assertEquals(28, FeaturizerModel.seeded(SMALL).atomFeatureWidth());
    }

    @Test
    void configMistakesAreNamed() {
        String typo = SMALL.toJson().replace("\"cutoff\"", "\"cuttoff\"");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FeaturizerConfig.parse(typo, "t.json"))
                .getMessage().contains("unknown key 'cuttoff'"));
        String layers = SMALL.toJson().replace("\"num_layers\" : 2", "\"num_layers\" : 3");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> FeaturizerConfig.parse(layers, "t.json"))
                .getMessage().contains("num_layers is 3"));
        String odd = SMALL.toJson().replace("16x0e+8x1o+4x2e\", \"16x0e", "16x0o+8x1o+4x2e\", \"16x0e");
        assertThrows(IllegalArgumentException.class, () -> FeaturizerConfig.parse(odd, "t.json"));
    }

    @Test
    void seededInitializationIsDeterministicAndSeedDependent() {
        FeaturizerModel a = FeaturizerModel.seeded(SMALL);
        FeaturizerModel b = FeaturizerModel.seeded(FeaturizerConfig.parse(SMALL.toJson(), "copy"));
        assertEquals(a, b);
        assertEquals(a.fingerprint(), b.fingerprint());
        String other = SMALL.toJson().replace("\"seed\" : 20261124", "\"seed\" : 7");
        assertNotEquals(a.fingerprint(), FeaturizerModel.seeded(FeaturizerConfig.parse(other, "s")).fingerprint());
        // The first embedding weights are fixed numbers: a change of the seeding scheme must be deliberate.
        System.out.println("embedding.weight[0..2] = " + a.weights().get("embedding.weight").values()[0] + ", "
                + a.weights().get("embedding.weight").values()[1]);
    }

    @Test
    void safetensorsRoundTripFloat64AndFloat32(@TempDir Path dir) {
        FeaturizerModel m = FeaturizerModel.seeded(SMALL);
        Path f64 = dir.resolve("w64.safetensors");
        SafeTensors.write(f64, new ArrayList<>(m.weights().values()), true, Map.of("format", "pt"));
        assertEquals(m, FeaturizerModel.load(Path.of("../conf/featurizer-small.json"), f64));
        Path f32 = dir.resolve("w32.safetensors");
        SafeTensors.write(f32, new ArrayList<>(m.weights().values()), false, Map.of());
        FeaturizerModel m32 = FeaturizerModel.load(null, f32);
        double[] a = m.weights().get("readout.weight").values();
        double[] b = m32.weights().get("readout.weight").values();
        for (int i = 0; i < a.length; i++) {
            assertEquals((float) a[i], b[i], 0.0);
        }
    }

    @Test
    void weightsThatDoNotFitTheConfigAreNamed(@TempDir Path dir) throws Exception {
        FeaturizerModel m = FeaturizerModel.seeded(SMALL);
        Map<String, NamedTensor> w = new LinkedHashMap<>(m.weights());
        w.remove("readout.weight");
        w.put("layers.0.radial_mlp.layer0.weight", new NamedTensor("layers.0.radial_mlp.layer0.weight", new int[] {16, 8},
                new double[128]));
        w.put("bias", new NamedTensor("bias", new int[] {1}, new double[1]));
        String msg = assertThrows(ModelFormatException.class, () -> FeaturizerModel.withWeights(SMALL, w, "test"))
                .getMessage();
        assertTrue(msg.contains("missing readout.weight"), msg);
        assertTrue(msg.contains("layers.0.radial_mlp.layer0.weight has shape [16, 8], expected [8, 16]"), msg);
        assertTrue(msg.contains("unexpected tensor bias"), msg);
        Path junk = dir.resolve("junk.safetensors");
        Files.write(junk, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9});
        assertThrows(ModelFormatException.class, () -> SafeTensors.read(junk));
    }

    @Test
    void radialBasisMatchesEdgeFeaturesAndDifferentiates() {
        RadialBasis rb = new RadialBasis(SMALL.edgeFeatures().bessel(), SMALL.edgeFeatures().envelope());
        double[] r = {0.3, 1.1, 2.5, 3.99};
        double[] v = new double[3 * r.length];
        for (int i = 0; i < r.length; i++) {
            v[3 * i + 2] = r[i];
        }
        double[] d = new double[r.length * rb.count()];
        assertArrayEquals(SMALL.edgeFeatures().compute(v, r).radial(), rb.evaluate(r, d), 1e-14);
        double h = 1e-6;
        for (int i = 0; i < r.length; i++) {
            double[] p = rb.evaluate(new double[] {r[i] + h}, null);
            double[] q = rb.evaluate(new double[] {r[i] - h}, null);
            for (int n = 0; n < rb.count(); n++) {
                assertEquals((p[n] - q[n]) / (2 * h), d[i * rb.count() + n], 1e-6);
            }
        }
    }

    @Test
    void arrowBatchInputEqualsHeapBatchInput() {
        List<Structure> sample = SampleDataset.load();
        List<EdgeList> graphs = sample.stream().map(SMALL.radiusGraph()::build).toList();
        GraphBatch batch = GraphBatch.pack(sample, graphs, null);
        try (BufferAllocator root = new RootAllocator();
             ArrowGraphBatch arrow = ArrowGraphBatch.allocate(root, batch);
             Featurizer f = Featurizer.create(FeaturizerModel.seeded(SMALL), ComputeTarget.cpu(), DType.FLOAT32)) {
            FeaturizerResult a = f.featurize(BatchInput.of(batch), false);
            FeaturizerResult b = f.featurize(BatchInput.of(arrow), false);
            assertArrayEquals(a.atomFeatures(), b.atomFeatures(), 0.0);
            assertArrayEquals(a.structureIds(), b.structureIds());
        }
    }

    @Test
    void unknownSpeciesIsAnInvalidStructure() {
        Structure gold = new Structure(5, new int[] {79, 92}, new double[] {0, 0, 0, 2, 0, 0}, null);
        try (Featurizer f = Featurizer.create(FeaturizerModel.seeded(SMALL), ComputeTarget.cpu(), DType.FLOAT32)) {
            InvalidStructureException e = assertThrows(InvalidStructureException.class,
                    () -> f.featurize(List.of(gold), false));
            assertTrue(e.getMessage().contains("structure 5: atom 1 is U"), e.getMessage());
        }
    }
}
