package org.e3spark.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.e3spark.arrow.ArrowIpc;
import org.e3spark.arrow.StructureIpcReader;
import org.e3spark.data.ErrorPolicy;
import org.e3spark.data.ExtxyzReader;
import org.e3spark.data.SampleDataset;
import org.e3spark.data.SkipLog;
import org.e3spark.data.Structure;

/**
 * The featurization job, for {@code spark-submit --class org.e3spark.spark.FeaturizeJob
 * e3spark-spark-job-*-shaded.jar} and {@code bin/e3spark featurize}:
 * <pre>
 *   --input PATH|@sample   structures: a Parquet dataset in the structure schema, an extxyz file, an Arrow IPC file
 *   --format parquet|extxyz|arrow      (default: from the file name; @sample is extxyz)
 *   --output PATH          features (default with @sample: out/sample-features)
 *   --output-format parquet|json       (default parquet)
 *   --errors PATH          rejected rows with the reason, under onError=skip (default: OUTPUT-errors)
 *   --model PATH           featurizer config JSON, saved .e3k model, or MACE config NAME.json (with model_class;
 *                          NAME.safetensors beside it); default: the bundled featurizer-small
 *   --weights PATH         safetensors weights for the config (default: seeded; MACE: the file beside it)
 *   --partitions N         partitions for extxyz/Arrow input read on the driver (default: Spark's parallelism)
 *   --on-error fail|skip   sets spark.e3spark.onError;  --backend auto|cuda|cpu sets spark.e3spark.backend
 *   --forces               sets spark.e3spark.forces=true
 *   --stress               sets spark.e3spark.stress=true (MACE: stress of periodic rows)
 *   --conf KEY=VALUE       any spark.* setting (repeatable)
 * </pre>
 * Without a configured master it runs in local mode ({@code local[*]}). Prints a summary table.
 */
public final class FeaturizeJob {

    private FeaturizeJob() {
    }

    /** Parsed arguments. */
    public record Args(String input, String format, String output, String outputFormat, String errors, String model,
                       String weights, int partitions, Map<String, String> conf) {

        public static Args parse(String[] argv) {
            Map<String, String> v = new LinkedHashMap<>();
            Map<String, String> conf = new LinkedHashMap<>();
            for (int i = 0; i < argv.length; i++) {
                String a = argv[i];
                if (!a.startsWith("--")) {
                    throw new IllegalArgumentException("unexpected argument '" + a + "' (options are --name value)");
                }
                String name = a.substring(2);
                String value;
                int eq = name.indexOf('=');
                if (eq >= 0 && !name.startsWith("conf")) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                } else if (name.equals("forces") || name.equals("stress")) {
                    value = "true";
                } else if (i + 1 < argv.length) {
                    value = argv[++i];
                } else {
                    throw new IllegalArgumentException("--" + name + " needs a value");
                }
                switch (name) {
                    case "conf" -> {
                        int k = value.indexOf('=');
                        if (k <= 0 || !value.startsWith("spark.")) {
                            throw new IllegalArgumentException("--conf takes spark.KEY=VALUE, got '" + value + "'");
                        }
                        conf.put(value.substring(0, k), value.substring(k + 1));
                    }
                    case "on-error" -> conf.put(E3SparkConf.ON_ERROR.key(), E3SparkConf.ON_ERROR.parse(value));
                    case "backend" -> conf.put(E3SparkConf.BACKEND.key(), E3SparkConf.BACKEND.parse(value));
                    case "forces" -> conf.put(E3SparkConf.FORCES.key(), value);
                    case "stress" -> conf.put(E3SparkConf.STRESS.key(), value);
                    case "input", "format", "output", "output-format", "errors", "model", "weights", "partitions" ->
                            v.put(name, value);
                    default -> throw new IllegalArgumentException("unknown option --" + name);
                }
            }
            String input = v.getOrDefault("input", "@sample");
            String format = v.getOrDefault("format", inferFormat(input));
            if (!List.of("parquet", "extxyz", "arrow").contains(format)) {
                throw new IllegalArgumentException("--format must be parquet, extxyz or arrow, got '" + format + "'");
            }
            String output = v.get("output");
            if (output == null) {
                if (!input.equals("@sample")) {
                    throw new IllegalArgumentException("--output is required (a directory for the features)");
                }
                output = "out/sample-features";
            }
            String outputFormat = v.getOrDefault("output-format", "parquet");
            if (!List.of("parquet", "json").contains(outputFormat)) {
                throw new IllegalArgumentException("--output-format must be parquet or json, got '" + outputFormat + "'");
            }
            int partitions;
            try {
                partitions = Integer.parseInt(v.getOrDefault("partitions", "0"));
            } catch (NumberFormatException e) {
                partitions = -1;
            }
            if (partitions < 0) { // a negative count was silently taken as "the default"
                throw new IllegalArgumentException("--partitions must be an integer >= 1 (0: Spark's parallelism), got '"
                        + v.get("partitions") + "'");
            }
            return new Args(input, format, output, outputFormat, v.getOrDefault("errors", output + "-errors"),
                    v.getOrDefault("model", ""), v.getOrDefault("weights", ""), partitions, conf);
        }

        private static String inferFormat(String input) {
            String n = input.toLowerCase(Locale.ROOT);
            if (n.equals("@sample") || n.endsWith(".extxyz") || n.endsWith(".xyz")) {
                return "extxyz";
            }
            if (n.endsWith(".arrow") || n.endsWith(".feather") || n.endsWith(".ipc")) {
                return "arrow";
            }
            return "parquet";
        }
    }

    /** What a run did, for the summary and for tests. */
    public record Summary(String model, String weights, int atomWidth, boolean mace, String input, String format, String output,
                          String outputFormat, String errorsPath, long inputRows, long driverSkipped,
                          FeaturizeMetrics.Snapshot metrics, FeaturizeSettings settings, String master, double jobSeconds,
                          double seconds, List<Row> preview) {
    }

    public static void main(String[] argv) {
        int rc = run(argv, System.out);
        if (rc != 0) {
            System.exit(rc);
        }
    }

    /** Parses, runs (creating a session when none is active), prints the summary; 0 on success. */
    public static int run(String[] argv, PrintStream out) {
        Args args;
        try {
            args = Args.parse(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("featurize: " + e.getMessage());
            return 2;
        }
        SparkSession.Builder b = SparkSession.builder().appName("e3spark featurize");
        if (System.getProperty("spark.master") == null) {
            b.master("local[*]");
        }
        args.conf().forEach(b::config);
        SparkSession spark = b.getOrCreate();
        try {
            Summary s = featurize(spark, args);
            print(s, out);
            return 0;
        } catch (OutputPaths.Refused e) {
            System.err.println("featurize: " + e.getMessage());
            return 2;
        } finally {
            spark.stop();
        }
    }

    /** The job on a given session. */
    public static Summary featurize(SparkSession spark, Args a) {
        long t0 = System.nanoTime();
        args(spark, a);
        boolean skip = E3SparkConf.ON_ERROR.get(spark.conf()).equals("skip");
        org.apache.hadoop.conf.Configuration hadoop = spark.sparkContext().hadoopConfiguration();
        // before anything is read or written: overlapping paths refused, targets locked against a concurrent run
        try (OutputPaths claimed = OutputPaths.claim(hadoop, a.input().equals("@sample") ? null : a.input(), a.output(),
                a.errors())) {
            if (!skip) {
                OutputPaths.removeStaleErrors(hadoop, a.errors());
            }
            return featurize(spark, a, skip, t0);
        }
    }

    private static Summary featurize(SparkSession spark, Args a, boolean skip, long t0) {
        List<Row> driverErrors = new ArrayList<>();
        Dataset<Row> input = read(spark, a, skip, driverErrors);
        long inputRows = input.count();
        EquivariantFeaturizer f = new EquivariantFeaturizer().setModelPath(a.model()).setWeightsPath(a.weights());
        EquivariantFeaturizer.Result r = f.transformWithErrors(input);
        r.combined().persist();
        try {
            long tw = System.nanoTime();
            r.features().write().mode(SaveMode.Overwrite).format(a.outputFormat()).save(a.output());
            double jobSeconds = (System.nanoTime() - tw) / 1e9;
            if (skip) {
                Dataset<Row> errors = r.errors();
                if (!driverErrors.isEmpty()) {
                    StructType es = DataTypes.createStructType(List.of(
                            DataTypes.createStructField("structure_id", DataTypes.LongType, true),
                            DataTypes.createStructField("error", DataTypes.StringType, true)));
                    Dataset<Row> parse = spark.createDataFrame(driverErrors, es);
                    errors = errors.unionByName(parse, true);
                }
                errors.write().mode(SaveMode.Overwrite).format(a.outputFormat()).save(a.errors());
            }
            List<Row> preview = r.features().orderBy(f.getOrDefault(f.structureIdCol())).limit(5).collectAsList();
            SparkModel m = r.sparkModel();
            return new Summary(m.name(), m.origin(), m.atomWidth(), m instanceof SparkModel.Mace, a.input(),
                    a.format(), a.output(), a.outputFormat(), skip ? a.errors() : null, inputRows, driverErrors.size(),
                    r.metrics().snapshot(), r.settings(), spark.sparkContext().master(), jobSeconds,
                    (System.nanoTime() - t0) / 1e9, preview);
        } finally {
            r.combined().unpersist();
        }
    }

    /** The job's spark.e3spark.* settings on a session that already exists (tests, notebooks). */
    private static void args(SparkSession spark, Args a) {
        a.conf().forEach((k, v) -> {
            if (k.startsWith("spark.e3spark.")) {
                spark.conf().set(k, v);
            }
        });
    }

    /** Reads the input as a structure DataFrame; driver-side parse failures under skip go to {@code errors}. */
    static Dataset<Row> read(SparkSession spark, Args a, boolean skip, List<Row> errors) {
        if (a.format().equals("parquet")) {
            return spark.read().parquet(a.input());
        }
        ErrorPolicy policy = skip ? ErrorPolicy.SKIP : ErrorPolicy.FAIL;
        List<Structure> structures = new ArrayList<>();
        SkipLog log;
        try {
            if (a.format().equals("extxyz")) {
                try (ExtxyzReader r = a.input().equals("@sample") ? sampleReader(policy)
                        : ExtxyzReader.open(Path.of(a.input()), policy)) {
                    r.forEachRemaining(structures::add);
                    log = r.skipLog();
                }
            } else {
                try (BufferAllocator alloc = new RootAllocator();
                     StructureIpcReader r = ArrowIpc.openFile(Path.of(a.input()), alloc, policy)) {
                    r.forEachRemaining(structures::add);
                    log = r.skipLog();
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + a.input(), e);
        }
        for (SkipLog.Entry e : log.entries()) {
            errors.add(RowFactory.create(e.structureId(), e.message()));
        }
        int partitions = a.partitions() > 0 ? a.partitions()
                : Math.max(1, Math.min(spark.sparkContext().defaultParallelism(), structures.size()));
        return StructureFrames.of(spark, structures, partitions);
    }

    private static ExtxyzReader sampleReader(ErrorPolicy policy) {
        InputStream in = SampleDataset.class.getClassLoader().getResourceAsStream(SampleDataset.RESOURCE);
        if (in == null) {
            throw new IllegalStateException("the bundled sample is not on the classpath");
        }
        return new ExtxyzReader(new InputStreamReader(in, StandardCharsets.UTF_8), "@sample", policy, 0);
    }

    /** The summary table. */
    static void print(Summary s, PrintStream out) {
        FeaturizeMetrics.Snapshot m = s.metrics();
        int structWidth = s.mace() ? s.atomWidth() : 2 * s.atomWidth();
        String what = s.mace() ? "descriptors (MACE)" : "features";
        out.printf("e3spark featurize: model %s (%s), %d per-atom / %d per-structure %s%n", s.model(), s.weights(),
                s.atomWidth(), structWidth, what);
        out.printf("  input  %s (%s, %d rows)  ->  output %s (%s)%s%n", s.input(), s.format(), s.inputRows(), s.output(),
                s.outputFormat(), s.errorsPath() == null ? "" : ", errors " + s.errorsPath());
        out.printf("  Spark %s %s, backend %s -> kernels on %s, %s, onError=%s%n", org.apache.spark.package$.MODULE$.SPARK_VERSION(),
                s.master(), s.settings().backend(), m.gpuBatches() == 0 ? "CPU" : "GPU (" + m.gpuBatches() + " of "
                        + m.batches() + " batches)", s.settings().dtypeName(), s.settings().skipErrors() ? "skip" : "fail");
        long skipped = m.skippedRows() + s.driverSkipped();
        double taskSec = m.taskMillis() / 1000.0;
        out.println();
        out.println("  | structures | featurized | skipped | atoms   | edges     | batches | kernel s | job s  | structures/s | wall s |");
        out.println("  |------------|------------|---------|---------|-----------|---------|----------|--------|--------------|--------|");
        out.printf("  | %10d | %10d | %7d | %7d | %9d | %7d | %8.2f | %6.1f | %12.1f | %6.1f |%n",
                s.inputRows() + s.driverSkipped(), m.structures(), skipped, m.atoms(), m.edges(), m.batches(),
                m.kernelMillis() / 1000.0, s.jobSeconds(), m.structures() / Math.max(s.jobSeconds(), 1e-9), s.seconds());
        if (taskSec > 0) {
            out.printf("  (job s: featurize + write; wall s: from reading the input on. Kernels %.0f%% of task time; setup %.2f s)%n", 100.0 * m.kernelMillis() / m.taskMillis(),
                    m.compileMillis() / 1000.0);
        }
        if (!s.preview().isEmpty()) {
            out.println();
            Row first = s.preview().getFirst();
            List<String> names = List.of(first.schema().fieldNames());
            String sfName = s.mace() ? "structure_descriptors" : s.settings().structureFeaturesCol();
            int sf = names.indexOf(sfName);
            int af = names.indexOf(s.mace() ? "atom_descriptors" : s.settings().atomFeaturesCol());
            int ct = names.indexOf("config_type");
            int id = names.indexOf("structure_id");
            out.println("  | structure_id | " + (ct >= 0 ? "config_type         | " : "") + "atoms | " + sfName + " (first 3 of "
                    + structWidth + ")   |");
            for (Row row : s.preview()) {
                List<Object> feats = row.getList(sf);
                out.printf("  | %12s | %s%5d | %9.4f %9.4f %9.4f        |%n", id >= 0 ? row.get(id) : "?",
                        ct >= 0 ? String.format("%-19s | ", row.get(ct)) : "", row.getList(af).size(),
                        ((Number) feats.get(0)).doubleValue(), ((Number) feats.get(1)).doubleValue(),
                        ((Number) feats.get(2)).doubleValue());
            }
        }
        if (skipped > 0) {
            out.printf("%n  %d row(s) skipped; reasons in %s%n", skipped, s.errorsPath());
        }
    }
}
