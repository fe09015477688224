package org.e3spark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.e3spark.data.SampleDataset;
import org.e3spark.data.Structure;
import org.e3spark.kernels.DType;
import org.e3spark.model.ComputeTarget;
import org.e3spark.model.Featurizer;
import org.e3spark.model.FeaturizerModel;
import org.e3spark.model.FeaturizerResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark side on local[2] (CPU), one shared session for the class: the transformer against a
 * direct library call, the job end to end to Parquet, onError both ways, forces, accumulators.
 */
class SparkFeaturizerTest {

    static SparkSession spark;
    static List<Structure> sample;
    static FeaturizerModel model;

    @BeforeAll
    static void start() {
        spark = LocalSpark.session("e3spark-test");
        sample = SampleDataset.load();
        model = LocalSpark.featurizerSmall();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    private static Map<Long, Row> byId(List<Row> rows) {
        Map<Long, Row> m = new HashMap<>();
        rows.forEach(r -> m.put(r.getLong(r.fieldIndex("structure_id")), r));
        return m;
    }

    @Test
    void transformerOutputEqualsDirectLibraryCall() {
        EquivariantFeaturizer t = new EquivariantFeaturizer().setModel(model).setMaxNodes(100);
        Dataset<Row> out = t.transform(StructureFrames.of(spark, sample, 2));
        assertEquals(List.of("structure_id", "config_type", "atom_features", "structure_features"), List.of(out.columns()));
        Map<Long, Row> rows = byId(out.collectAsList());
        FeaturizerResult expected;
        try (Featurizer f = Featurizer.create(model, ComputeTarget.cpu(), DType.FLOAT32)) {
            expected = f.featurize(sample, false);
        }
        int w = expected.atomWidth();
        for (int k = 0; k < sample.size(); k++) {
            Row r = rows.get(sample.get(k).id());
            List<Object> atoms = r.getList(r.fieldIndex("atom_features"));
            assertEquals(sample.get(k).atomCount(), atoms.size());
            for (int i = 0; i < atoms.size(); i++) {
                scala.collection.Seq<?> a = (scala.collection.Seq<?>) atoms.get(i);
                assertEquals(w, a.size());
                for (int c = 0; c < w; c++) {
                    float e = (float) expected.atomFeatures()[(expected.nodeOffsets()[k] + i) * w + c];
                    assertEquals(e, ((Number) a.apply(c)).floatValue(), 0.0f, "structure " + k + " atom " + i + " feature " + c);
                }
            }
            List<Object> sf = r.getList(r.fieldIndex("structure_features"));
            for (int c = 0; c < 2 * w; c++) {
                assertEquals((float) expected.structureFeatures()[k * 2 * w + c], ((Number) sf.get(c)).floatValue(), 0.0f);
            }
        }
        FeaturizeMetrics.Snapshot m = t.lastMetrics().snapshot();
        assertEquals(sample.size(), m.structures());
        assertEquals(sample.stream().mapToInt(Structure::atomCount).sum(), m.atoms());
        assertTrue(m.batches() >= 4, "batches of <= 100 atoms: " + m.batches());
        assertEquals(0, m.skippedRows());
    }

    @Test
    void aSecondJobReusesTheExecutorsFeaturizersAndGivesTheSameRows() {
        EquivariantFeaturizer t = new EquivariantFeaturizer().setModel(model).setMaxNodes(100);
        Dataset<Row> in = StructureFrames.of(spark, sample, 2);
        Map<Long, Row> first = byId(t.transform(in).collectAsList());
        long[] between = ExecutorState.featurizers().counts();
        Map<Long, Row> second = byId(t.transform(in).collectAsList());
        long[] after = ExecutorState.featurizers().counts();
        assertEquals(between[0], after[0], "the second job's tasks found the first job's featurizers idle");
        assertTrue(after[1] - between[1] >= 2, "both partitions borrowed one: " + (after[1] - between[1]));
        assertEquals(sample.size(), second.size());
        assertEquals(first, second, "a reused featurizer gives bitwise the same rows");
    }

    @Test
    void forcesAreOptionalColumnsThatMatchTheLibrary() {
        List<Structure> two = sample.subList(6, 8);
        Dataset<Row> out = new EquivariantFeaturizer().setModel(model).setForces(true).setDtype("float64")
                .transform(StructureFrames.of(spark, two, 1));
        assertTrue(List.of(out.columns()).containsAll(List.of("energy", "forces")));
        Map<Long, Row> rows = byId(out.collectAsList());
        try (Featurizer f = Featurizer.create(model, ComputeTarget.cpu(), DType.FLOAT64)) {
            FeaturizerResult e = f.featurize(two, true);
            for (int k = 0; k < two.size(); k++) {
                Row r = rows.get(two.get(k).id());
                assertEquals(e.energies()[k], r.getDouble(r.fieldIndex("energy")), 1e-12);
                assertEquals(two.get(k).atomCount(), r.getList(r.fieldIndex("forces")).size());
            }
        }
    }

    /** Sample rows plus four broken ones (NaN position, uranium, short positions, null numbers). */
    private static Dataset<Row> withBrokenRows() {
        Dataset<Row> good = StructureFrames.of(spark, sample, 2);
        List<Row> bad = new ArrayList<>();
        bad.add(RowFactory.create(1001L, new int[] {1, 1}, new double[] {0, 0, 0, Double.NaN, 0, 0}, null, null, "broken"));
        bad.add(RowFactory.create(1002L, new int[] {92}, new double[] {0, 0, 0}, null, null, "broken"));
        bad.add(RowFactory.create(1003L, new int[] {1, 8}, new double[] {0, 0, 0, 1}, null, null, "broken"));
        bad.add(RowFactory.create(1004L, null, new double[] {0, 0, 0}, null, null, "broken"));
        return good.union(spark.createDataFrame(bad, good.schema().asNullable())).repartition(2);
    }

    @Test
    void onErrorSkipKeepsGoodRowsAndReportsBadOnesWithTheirReason() {
        EquivariantFeaturizer t = new EquivariantFeaturizer().setModel(model).setOnError("skip");
        EquivariantFeaturizer.Result r = t.transformWithErrors(withBrokenRows());
        r.combined().persist();
        List<Row> features = r.features().collectAsList();
        Map<Long, Row> errors = byId(r.errors().collectAsList());
        r.combined().unpersist();
        assertEquals(sample.size(), features.size());
        assertEquals(4, errors.size());
        assertTrue(errors.get(1001L).getString(errors.get(1001L).fieldIndex("error")).contains("non-finite position"));
        assertTrue(errors.get(1002L).getAs("error").toString().contains("is U, not among the species"));
        assertTrue(errors.get(1003L).getAs("error").toString().contains("position values"));
        assertTrue(errors.get(1004L).getAs("error").toString().contains("null"));
        assertEquals("broken", errors.get(1004L).getAs("config_type"));
        assertEquals(4, t.lastMetrics().snapshot().skippedRows());
    }

    @Test
    void onErrorFailStopsTheJobNamingTheRowAndTheSetting() {
        Dataset<Row> out = new EquivariantFeaturizer().setModel(model).setOnError("fail").transform(withBrokenRows());
        Exception e = assertThrows(Exception.class, out::collectAsList);
        String msg = String.valueOf(e.getMessage());
        assertTrue(msg.contains("BadStructureRowException") || msg.contains("not a valid structure"), msg);
        assertTrue(msg.contains("spark.e3spark.onError=skip"), msg);
    }

    @Test
    void jobOnTheBundledSampleWritesParquetAndPrintsASummary(@TempDir Path dir) {
        String output = dir.resolve("features").toString();
        FeaturizeJob.Summary s = FeaturizeJob.featurize(spark, FeaturizeJob.Args.parse(new String[] {
                "--output", output, "--partitions", "2", "--on-error", "skip"}));
        Dataset<Row> back = spark.read().parquet(output);
        assertEquals(9, back.count());
        assertEquals(List.of("structure_id", "config_type", "atom_features", "structure_features"), List.of(back.columns()));
        assertEquals("array<array<float>>", back.schema().apply("atom_features").dataType().simpleString());
        assertEquals("array<float>", back.schema().apply("structure_features").dataType().simpleString());
        assertEquals(0, spark.read().parquet(output + "-errors").count());
        assertEquals(9, s.metrics().structures());
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        FeaturizeJob.print(s, new PrintStream(text, true, StandardCharsets.UTF_8));
        String printed = text.toString(StandardCharsets.UTF_8);
        System.out.println(printed);
        assertTrue(printed.contains("| structures | featurized | skipped |"), printed);
        spark.conf().unset(E3SparkConf.ON_ERROR.key());
    }

    @Test
    void extxyzFramesThatAreNotStructuresGoToTheErrorsOutputAsJson(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("in.extxyz");
        java.nio.file.Files.writeString(file, String.join("\n",
                "2", "structure_id=41 Properties=species:S:1:pos:R:3 config_type=ok",
                "H 0 0 0", "H 0.74 0 0",
                "2", "structure_id=42 Properties=species:S:1:pos:R:3 config_type=bad",
                "H 0 0 0", "H NaN 0 0", ""));
        String output = dir.resolve("features").toString();
        FeaturizeJob.Summary s = FeaturizeJob.featurize(spark, FeaturizeJob.Args.parse(new String[] {
                "--input", file.toString(), "--output", output, "--output-format", "json", "--on-error", "skip"}));
        assertEquals(1, s.metrics().structures());
        assertEquals(1, s.driverSkipped());
        assertEquals(41L, (Long) spark.read().json(output).first().getAs("structure_id"));
        Row error = spark.read().json(output + "-errors").first();
        assertTrue(error.getAs("error").toString().contains("non-finite position"), error.toString());
        spark.conf().unset(E3SparkConf.ON_ERROR.key());
    }

    @Test
    void jobReadsParquetAndArrowIpcInputs(@TempDir Path dir) throws Exception {
        String parquet = dir.resolve("in.parquet").toString();
        StructureFrames.of(spark, sample, 2).write().parquet(parquet);
        Path arrow = dir.resolve("in.arrow");
        try (org.apache.arrow.memory.BufferAllocator a = new org.apache.arrow.memory.RootAllocator()) {
            org.e3spark.arrow.ArrowIpc.writeFile(arrow, a, sample, 4);
        }
        for (String[] in : List.of(new String[] {parquet, "parquet"}, new String[] {arrow.toString(), "arrow"})) {
            String output = dir.resolve("out-" + in[1]).toString();
            FeaturizeJob.Summary s = FeaturizeJob.featurize(spark, FeaturizeJob.Args.parse(new String[] {
                    "--input", in[0], "--output", output}));
            assertEquals(in[1], s.format());
            assertEquals(sample.size(), s.metrics().structures());
            assertEquals(sample.size(), spark.read().parquet(output).count());
        }
    }

    @Test
    void parquetStructuresStreamTheSameStructuresBack(@TempDir Path dir) {
        String parquet = dir.resolve("sample.parquet").toString();
        StructureFrames.of(spark, sample, 3).write().parquet(parquet);
        java.util.Map<Long, org.e3spark.data.Structure> read = new java.util.HashMap<>();
        try (ParquetStructures in = ParquetStructures.open(parquet, org.e3spark.data.ErrorPolicy.FAIL)) {
            in.forEachRemaining(st -> read.put(st.id(), st));
            assertEquals(0, in.skipLog().count());
        }
        assertEquals(sample.size(), read.size());
        for (org.e3spark.data.Structure expected : sample) {
            org.e3spark.data.Structure got = read.get(expected.id());
            assertTrue(java.util.Arrays.equals(expected.numbers(), got.numbers()), "numbers of " + expected.id());
            assertTrue(java.util.Arrays.equals(expected.positions(), got.positions()), "positions of " + expected.id());
            assertEquals(expected.cell().map(c -> java.util.Arrays.toString(c.rows())),
                    got.cell().map(c -> java.util.Arrays.toString(c.rows())), "cell of " + expected.id());
        }
        assertTrue(!spark.sparkContext().isStopped(), "a borrowed session must stay open");
    }
}
