package org.e3spark.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.e3spark.data.SampleDataset;
import org.e3spark.data.Structure;
import org.e3spark.kernels.DType;
import org.e3spark.model.internal.mace.MaceConfig;
import org.e3spark.model.internal.mace.MaceStateDict;
import org.junit.jupiter.api.Test;

/**
 * The shipped MACE sample, {@code conf/mace-small-seeded.{json,safetensors}}: its weights are
 * exactly {@link MaceStateDict#seeded} of its config with seed {@value #SEED} (seeded, not trained),
 * and it loads and evaluates the bundled sample. To regenerate the safetensors after changing the
 * config: {@code mvn -pl model test -Dtest=MaceSampleTest -De3spark.test.writeMaceSample=true}.
 */
class MaceSampleTest {

    static final long SEED = 20261204;
    static final Path CONFIG = Path.of("..", "conf", "mace-small-seeded.json");
    static final Path WEIGHTS = Path.of("..", "conf", "mace-small-seeded.safetensors");

    private static List<NamedTensor> seeded() throws Exception {
        JsonNode c = new ObjectMapper().readTree(Files.readAllBytes(CONFIG));
        Map<String, NamedTensor> sd = MaceStateDict.seeded(MaceConfig.parse(c, CONFIG.toString()), SEED);
        return new ArrayList<>(sd.values());
    }

    @Test
    void shippedWeightsAreTheSeededOnes() throws Exception {
        List<NamedTensor> expected = seeded();
        if (Boolean.getBoolean("e3spark.test.writeMaceSample")) {
            SafeTensors.write(WEIGHTS, expected, false,
                    Map.of("e3spark", "seeded weights (MaceStateDict.seeded, seed " + SEED + "): a sample, not a trained model"));
        }
        Map<String, NamedTensor> shipped = SafeTensors.read(WEIGHTS);
        assertEquals(expected.size(), shipped.size());
        for (NamedTensor t : expected) {
            NamedTensor s = shipped.get(t.name());
            assertArrayEquals(t.shape(), s.shape(), t.name());
            double[] a = t.values();
            double[] b = s.values();
            for (int i = 0; i < a.length; i++) {
                assertEquals((float) a[i], (float) b[i], 0.0, t.name() + "[" + i + "]"); // stored in float32
            }
        }
    }

    @Test
    void sampleModelEvaluatesTheBundledSample() {
        MaceModel m = MaceModel.load(CONFIG, WEIGHTS);
        List<Structure> sample = SampleDataset.load();
        try (MacePotential p = MacePotential.create(m, ComputeTarget.cpu(), DType.FLOAT32)) {
            MaceResult r = p.evaluate(sample, true, true);
            assertEquals(sample.size(), r.structureCount());
            for (double e : r.energies()) {
                assertTrue(Double.isFinite(e));
            }
            assertTrue(r.descriptorDim() > 0);
        }
    }
}
