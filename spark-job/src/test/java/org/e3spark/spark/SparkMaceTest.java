package org.e3spark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.e3spark.data.SampleDataset;
import org.e3spark.data.Structure;
import org.e3spark.kernels.DType;
import org.e3spark.model.ComputeTarget;
import org.e3spark.model.MaceModel;
import org.e3spark.model.MacePotential;
import org.e3spark.model.MaceResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * MACE on the Spark path (local[2], CPU): {@code featurize --model conf/mace-small-seeded.json} on the
 * bundled sample end to end to Parquet, every column equal to {@link MacePotential} called directly;
 * the transformer with an element the model does not know under onError=skip.
 */
class SparkMaceTest {

    static final Path CONFIG = Path.of("..", "conf", "mace-small-seeded.json");
    static final Path WEIGHTS = Path.of("..", "conf", "mace-small-seeded.safetensors");
    static SparkSession spark;
    static List<Structure> sample;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("e3spark-mace-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
        sample = SampleDataset.load();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static float[] floats(Object seq) {
        scala.collection.Seq<?> s = (scala.collection.Seq<?>) seq;
        float[] out = new float[s.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) s.apply(i)).floatValue();
        }
        return out;
    }

    @Test
    void featurizeWithTheMaceSampleWritesTheLibrarysValues(@TempDir Path dir) {
        String output = dir.resolve("mace").toString();
        FeaturizeJob.Summary s = FeaturizeJob.featurize(spark, FeaturizeJob.Args.parse(new String[] {
                "--model", CONFIG.toString(), "--output", output, "--partitions", "2", "--forces", "--stress",
                "--conf", "spark.e3spark.batch.maxNodes=60"}));
        Dataset<Row> back = spark.read().parquet(output);
        assertEquals(List.of("structure_id", "config_type", "energy", "forces", "stress", "atom_descriptors",
                "structure_descriptors"), List.of(back.columns()));
        assertEquals("double", back.schema().apply("energy").dataType().simpleString());
        assertEquals("array<array<float>>", back.schema().apply("forces").dataType().simpleString());
        assertEquals("array<double>", back.schema().apply("stress").dataType().simpleString());
        assertEquals("array<array<float>>", back.schema().apply("atom_descriptors").dataType().simpleString());
        assertEquals("array<float>", back.schema().apply("structure_descriptors").dataType().simpleString());
        assertEquals(sample.size(), s.metrics().structures());
        Map<Long, Row> rows = new HashMap<>();
        back.collectAsList().forEach(r -> rows.put(r.getLong(0), r));

        MaceResult expected;
        try (MacePotential p = MacePotential.create(MaceModel.load(CONFIG, WEIGHTS), ComputeTarget.cpu(), DType.FLOAT32)) {
            expected = p.evaluate(sample, true, true);
        }
        double[] e = expected.energies();
        double[] f = expected.forces();
        double[] st = expected.stress();
        double[] d = expected.descriptors();
        int dim = expected.descriptorDim();
        int atom0 = 0;
        for (int k = 0; k < sample.size(); k++) {
            Structure x = sample.get(k);
            Row r = rows.get(x.id());
            // batches differ (maxNodes 60 here): per structure the same math, summed in another order
            assertEquals(e[k], r.getDouble(2), 1e-4 * Math.max(1, Math.abs(e[k])), "energy of " + x.id());
            List<Object> forces = r.getList(3);
            List<Object> desc = r.getList(5);
            assertEquals(x.atomCount(), forces.size());
            float[] mean = new float[dim];
            for (int i = 0; i < x.atomCount(); i++) {
                float[] fi = floats(forces.get(i));
                float[] di = floats(desc.get(i));
                for (int a = 0; a < 3; a++) {
                    assertEquals(f[3 * (atom0 + i) + a], fi[a], 1e-4, "force of atom " + i + " of " + x.id());
                }
                for (int c = 0; c < dim; c++) {
                    assertEquals(d[(atom0 + i) * dim + c], di[c], 1e-4, "descriptor of atom " + i + " of " + x.id());
                    mean[c] += di[c] / x.atomCount();
                }
            }
            float[] sd = floats(r.get(6));
            for (int c = 0; c < dim; c++) {
                assertEquals(mean[c], sd[c], 1e-4);
            }
            if (x.periodic()) {
                List<Object> stress = r.getList(4);
                assertEquals(9, stress.size());
                for (int c = 0; c < 9; c++) {
                    assertEquals(st[9 * k + c], ((Number) stress.get(c)).doubleValue(), 1e-5, "stress of " + x.id());
                }
            } else {
                assertNull(r.get(4), "no stress for the non-periodic " + x.id());
            }
            atom0 += x.atomCount();
        }
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        FeaturizeJob.print(s, new PrintStream(text, true, StandardCharsets.UTF_8));
        String printed = text.toString(StandardCharsets.UTF_8);
        System.out.println(printed);
        assertTrue(printed.contains("descriptors (MACE)"), printed);
        spark.conf().unset(E3SparkConf.FORCES.key());
        spark.conf().unset(E3SparkConf.STRESS.key());
    }

    @Test
    void anElementTheModelDoesNotKnowIsThatRowsErrorUnderSkip() {
        List<Structure> in = new ArrayList<>(sample.subList(0, 3));
        Structure s = sample.get(0);
        int[] z = s.numbers();
        z[0] = 92; // uranium: not one of the sample model's elements
        in.add(new Structure(777, z, s.positions(), s.cell().orElse(null)));
        EquivariantFeaturizer t = new EquivariantFeaturizer().setModelPath(CONFIG.toString()).setOnError("skip");
        EquivariantFeaturizer.Result r = t.transformWithErrors(StructureFrames.of(spark, in, 2));
        r.combined().persist();
        try {
            assertEquals(3, r.features().count());
            List<Row> errors = r.errors().collectAsList();
            assertEquals(1, errors.size());
            String reason = errors.getFirst().getAs("error");
            assertTrue(reason.contains("structure 777") && reason.contains("Z = 92"), reason);
            assertEquals(List.of("structure_id", "config_type", "error"), List.of(r.errors().columns()));
        } finally {
            r.combined().unpersist();
        }
    }
}
