package org.e3spark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.e3spark.data.Cell;
import org.e3spark.data.SampleDataset;
import org.e3spark.data.Structure;
import org.e3spark.model.FeaturizerModel;
import org.e3spark.model.NamedTensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16 on the Spark side (local[2], CPU): paths that would destroy data are refused before
 * anything is written, every bad row reaches the errors output with its own id and reason, and no
 * bad row aborts a job under onError=skip.
 */
class SparkBadInputTest {

    static SparkSession spark;
    static List<Structure> sample;
    static FeaturizerModel model;

    @BeforeAll
    static void start() {
        spark = LocalSpark.session("e3spark-bad-input");
        sample = SampleDataset.load();
        model = LocalSpark.featurizerSmall();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @AfterEach
    void resetOnError() {
        spark.conf().unset(E3SparkConf.ON_ERROR.key());
    }

    private static FeaturizeJob.Summary job(String... argv) {
        return FeaturizeJob.featurize(spark, FeaturizeJob.Args.parse(argv));
    }

    private static Map<Long, String> errorsById(List<Row> rows) {
        Map<Long, String> m = new HashMap<>();
        for (Row r : rows) {
            m.put(r.isNullAt(r.fieldIndex("structure_id")) ? null : r.getLong(r.fieldIndex("structure_id")),
                    r.getAs("error").toString());
        }
        return m;
    }

    @Test
    void anOutputThatOverlapsTheInputIsRefusedAndTheInputSurvives(@TempDir Path dir) throws Exception {
        String input = dir.resolve("in.parquet").toString();
        StructureFrames.of(spark, sample, 2).write().parquet(input);
        long files = Files.list(Path.of(input)).count();
        for (String output : List.of(input, input + "/", input + "/features", dir.toString())) {
            OutputPaths.Refused e = assertThrows(OutputPaths.Refused.class, () -> job("--input", input, "--output", output));
            assertTrue(e.getMessage().startsWith("--output " + output + " ") && e.getMessage().contains("--input " + input),
                    e.getMessage());
        }
        // a symlink to the input is the input
        Path link = Files.createSymbolicLink(dir.resolve("link"), Path.of(input));
        assertThrows(OutputPaths.Refused.class, () -> job("--input", input, "--output", link.toString()));
        assertEquals(files, Files.list(Path.of(input)).count(), "the input folder is untouched");
        assertEquals(sample.size(), spark.read().parquet(input).count());
        // and an extxyz file as its own output
        Path xyz = dir.resolve("in.extxyz");
        Files.writeString(xyz, "1\nProperties=species:S:1:pos:R:3\nH 0 0 0\n");
        assertThrows(OutputPaths.Refused.class, () -> job("--input", xyz.toString(), "--output", xyz.toString()));
        assertTrue(Files.readString(xyz).startsWith("1\n"));
        assertFalse(Files.exists(dir.resolve(".in.extxyz" + OutputPaths.LOCK_SUFFIX)), "no lock left behind");
    }

    @Test
    void errorsThatOverlapTheOutputAreRefusedAndAStaleErrorsFolderIsRemoved(@TempDir Path dir) throws Exception {
        String output = dir.resolve("features").toString();
        for (String errors : List.of(output, output + "/errors", dir.toString())) {
            OutputPaths.Refused e = assertThrows(OutputPaths.Refused.class,
                    () -> job("--output", output, "--errors", errors, "--on-error", "skip"));
            assertTrue(e.getMessage().startsWith("--errors " + errors) && e.getMessage().contains("--output " + output),
                    e.getMessage());
        }
        assertFalse(Files.exists(Path.of(output)), "nothing written");
        // a skip run leaves OUTPUT-errors; a later fail run must not leave it beside its new features
        job("--output", output, "--on-error", "skip");
        assertTrue(Files.exists(Path.of(output + "-errors", "_SUCCESS")));
        spark.conf().unset(E3SparkConf.ON_ERROR.key());
        job("--output", output);
        assertFalse(Files.exists(Path.of(output + "-errors")), "stale errors removed");
        assertEquals(sample.size(), spark.read().parquet(output).count());
        // something at the errors path that no run wrote is refused, not deleted
        Path foreign = dir.resolve("mine");
        Files.createDirectories(foreign);
        Files.writeString(foreign.resolve("notes.txt"), "keep me");
        OutputPaths.Refused f = assertThrows(OutputPaths.Refused.class,
                () -> job("--output", output, "--errors", foreign.toString()));
        assertTrue(f.getMessage().contains("not the output of an earlier run"), f.getMessage());
        assertEquals("keep me", Files.readString(foreign.resolve("notes.txt")));
    }

    @Test
    void aSecondJobOnTheSameOutputFailsCleanlyWhileTheFirstHoldsIt(@TempDir Path dir) throws Exception {
        String output = dir.resolve("features").toString();
        // the first job's lock, as it stands while that job writes
        try (OutputPaths first = OutputPaths.claim(spark.sparkContext().hadoopConfiguration(), null, output, output + "-errors")) {
            OutputPaths.Refused e = assertThrows(OutputPaths.Refused.class, () -> job("--output", output));
            assertTrue(e.getMessage().contains("another job is writing " + output) && e.getMessage().contains(".features"
                    + OutputPaths.LOCK_SUFFIX), e.getMessage());
            assertFalse(Files.exists(Path.of(output)));
        }
        job("--output", output); // released: the next run goes ahead
        assertEquals(sample.size(), spark.read().parquet(output).count());
    }

    @Test
    void everyRejectedFrameReachesTheErrorsOutputWithItsOwnId(@TempDir Path dir) throws Exception {
        StringBuilder text = new StringBuilder();
        for (int k = 0; k < 30; k++) {
            text.append("2\nstructure_id=").append(500 + k).append(" Properties=species:S:1:pos:R:3\nH 0 0 0\nH ")
                    .append(k < 25 ? "NaN" : "0.74").append(" 0 0\n");
        }
        Path file = dir.resolve("many.extxyz");
        Files.writeString(file, text);
        String output = dir.resolve("features").toString();
        FeaturizeJob.Summary s = job("--input", file.toString(), "--output", output, "--on-error", "skip");
        assertEquals(5, s.metrics().structures());
        assertEquals(25, s.driverSkipped());
        Map<Long, String> errors = errorsById(spark.read().parquet(output + "-errors").collectAsList());
        assertEquals(25, errors.size());
        for (int k = 0; k < 25; k++) {
            // rows 21+ used to get only "(further parse error; only the first 20 messages are kept)"
            String m = errors.get(500L + k);
            assertTrue(m.contains("frame " + k + " ") && m.contains("non-finite"), k + ": " + m);
        }
    }

    @Test
    void anArrowRowWithANullIdIsReportedUnderNoOtherRowsId(@TempDir Path dir) throws Exception {
        Path arrow = dir.resolve("in.arrow");
        List<Structure> two = List.of(new Structure(0, new int[] {8, 1}, new double[] {0, 0, 0, 0.96, 0, 0}, null),
                new Structure(1, new int[] {1, 1}, new double[] {0, 0, 0, 0.74, 0, 0}, null));
        try (org.apache.arrow.memory.BufferAllocator a = new org.apache.arrow.memory.RootAllocator();
             org.apache.arrow.vector.VectorSchemaRoot root = org.e3spark.arrow.StructureTables.allocateTable(a, two)) {
            ((org.apache.arrow.vector.BigIntVector) root.getVector("structure_id")).setNull(1); // row 1's id: null
            try (var out = Files.newByteChannel(arrow, java.nio.file.StandardOpenOption.CREATE_NEW,
                    java.nio.file.StandardOpenOption.WRITE);
                 var w = new org.apache.arrow.vector.ipc.ArrowFileWriter(root, null, out)) {
                w.start();
                w.writeBatch();
                w.end();
            }
        }
        String output = dir.resolve("features").toString();
        FeaturizeJob.Summary s = job("--input", arrow.toString(), "--output", output, "--on-error", "skip");
        assertEquals(1, s.metrics().structures());
        Map<Long, String> errors = errorsById(spark.read().parquet(output + "-errors").collectAsList());
        assertEquals(1, errors.size());
        // it was reported as "structure 1" (its row index, here another structure's id)
        assertTrue(errors.containsKey(null), errors.toString());
        assertTrue(errors.get(null).contains("record batch 0, table row 1: structure_id is null"), errors.get(null));
    }

    /** Rows in the structure schema with numbers as array<bigint>. */
    private static Dataset<Row> rows(List<Row> rows) {
        StructType schema = DataTypes.createStructType(List.of(
                DataTypes.createStructField("structure_id", DataTypes.LongType, true),
                DataTypes.createStructField("numbers", DataTypes.createArrayType(DataTypes.LongType, true), true),
                DataTypes.createStructField("positions", DataTypes.createArrayType(DataTypes.DoubleType, true), true),
                DataTypes.createStructField("cell", DataTypes.createArrayType(DataTypes.DoubleType, true), true),
                DataTypes.createStructField("pbc", DataTypes.createArrayType(DataTypes.BooleanType, true), true)));
        return spark.createDataFrame(rows, schema).repartition(2);
    }

    private static double[] box(double a) {
        return new double[] {a, 0, 0, 0, a, 0, 0, 0, a};
    }

    @Test
    void parquetRowsFollowTheArrowReadersRulesAndBadGeometryIsARowError() {
        double[] water = {0, 0, 0, 0.96, 0, 0};
        List<Row> in = new ArrayList<>();
        in.add(RowFactory.create(1L, new long[] {8, 1}, water, box(10), new boolean[] {true, true, true}));
        in.add(RowFactory.create(2L, new long[] {8, 4294967297L}, water, null, null)); // was read as 1 (H)
        in.add(RowFactory.create(3L, new long[] {8, 1}, water, box(10), new Boolean[] {true, null, true})); // was false
        in.add(RowFactory.create(4L, new long[] {8, 1}, water, null, new boolean[] {true, true, true})); // was open
        in.add(RowFactory.create(5L, new long[] {1, 1}, new double[] {0, 0, 0, 0, 0.7, 0},
                new double[] {1e-12, 0, 0, 0, 5, 0, 0, 0, 5}, null)); // AIOOBE in RadiusGraph, the job aborted
        in.add(RowFactory.create(6L, new long[] {8, 1}, new double[] {1.2e10, 0, 0, 1.2e10 + 0.96, 0, 0}, box(5), null));
        in.add(RowFactory.create(7L, new long[] {8, 1}, water, box(5), null));
        in.add(RowFactory.create(null, new long[] {8, 1}, water, null, null));
        EquivariantFeaturizer t = new EquivariantFeaturizer().setModel(model).setOnError("skip");
        EquivariantFeaturizer.Result r = t.transformWithErrors(rows(in));
        r.combined().persist();
        Map<Long, Row> features = new LinkedHashMap<>();
        r.features().collectAsList().forEach(x -> features.put(x.getLong(0), x));
        Map<Long, String> errors = errorsById(r.errors().collectAsList());
        r.combined().unpersist();
        assertEquals(List.of(1L, 6L, 7L), features.keySet().stream().sorted().toList());
        assertEquals(5, errors.size(), errors.toString());
        assertEquals("structure_id is null", errors.get(null), "no made-up id for a row without one");
        assertTrue(errors.get(2L).contains("structure 2: atomic number 1 is 4294967297, out of range"), errors.get(2L));
        assertTrue(errors.get(3L).contains("structure 3: pbc flag 1 is null"), errors.get(3L));
        assertTrue(errors.get(4L).contains("structure 4: pbc [true, true, true] without a cell"), errors.get(4L));
        assertTrue(errors.get(5L).contains("structure 5") && errors.get(5L).contains("images"), errors.get(5L));
        // far outside its cell, the pair keeps its edges: the same features as the pair inside it
        List<Object> far = features.get(6L).getList(features.get(6L).fieldIndex("structure_features"));
        List<Object> near = features.get(7L).getList(features.get(7L).fieldIndex("structure_features"));
        for (int k = 0; k < near.size(); k++) {
            assertEquals(((Number) near.get(k)).floatValue(), ((Number) far.get(k)).floatValue(), 1e-4, "feature " + k);
        }
        assertTrue(near.stream().anyMatch(v -> ((Number) v).floatValue() != 0f));
    }

    @Test
    void nonFiniteFeaturesAreARowErrorNamingTheStructureNeverAResult() {
        // weights large enough that every feature overflows float32: the job used to write NaN with exit code 0
        Map<String, NamedTensor> huge = new LinkedHashMap<>();
        model.weights().forEach((name, t) -> {
            double[] v = t.values();
            for (int i = 0; i < v.length; i++) {
                v[i] *= 1e30;
            }
            huge.put(name, new NamedTensor(name, t.shape(), v));
        });
        FeaturizerModel overflowing = FeaturizerModel.withWeights(model.config(), huge, "x1e30");
        List<Structure> two = sample.subList(0, 2);
        EquivariantFeaturizer t = new EquivariantFeaturizer().setModel(overflowing).setOnError("skip");
        EquivariantFeaturizer.Result r = t.transformWithErrors(StructureFrames.of(spark, two, 1));
        r.combined().persist();
        long featured = r.features().count();
        Map<Long, String> errors = errorsById(r.errors().collectAsList());
        r.combined().unpersist();
        assertEquals(0, featured);
        for (Structure s : two) {
            assertTrue(errors.get(s.id()).contains("structure " + s.id() + ": the model produced non-finite"),
                    String.valueOf(errors.get(s.id())));
        }
        Dataset<Row> failing = new EquivariantFeaturizer().setModel(overflowing).setOnError("fail")
                .transform(StructureFrames.of(spark, two, 1));
        Exception e = assertThrows(Exception.class, failing::collectAsList);
        assertTrue(String.valueOf(e.getMessage()).contains("non-finite"), e.getMessage());
    }
}
