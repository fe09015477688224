package org.e3spark.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.e3spark.data.Structure;
import org.e3spark.data.SyntheticDataset;
import org.e3spark.graph.BatchBudget;
import org.e3spark.graph.EdgeList;
import org.e3spark.graph.GraphBatch;
import org.e3spark.kernels.DType;
import org.e3spark.spark.E3SparkConf;
import org.e3spark.spark.EquivariantFeaturizer;
import org.e3spark.spark.FeaturizeMetrics;
import org.e3spark.spark.SparkModel;
import org.e3spark.spark.StructureFrames;
import org.e3spark.model.ComputeTarget;
import org.e3spark.model.Featurizer;
import org.e3spark.model.FeaturizerConfig;
import org.e3spark.model.FeaturizerModel;

/**
 * Featurization throughput on a seeded synthetic dataset ({@link SyntheticDataset}, structures
 * kept when their atom count is in [min, max]): the library alone (one Featurizer, warm), then the
 * Spark job on the session's master (results to Spark's {@code noop} sink, so no output I/O).
 * Prints structures/s, atoms/s, edges, and the share of time inside the convolution kernels.
 * Asserts nothing. Options: --structures N (10000) --min-atoms 20 --max-atoms 200 --seed S (7)
 * --partitions P (2 x default parallelism) --dtype float32|float64 --skip-library
 * --master URL (default: the spark.master property, else local[2]) --backends auto,cuda,cpu (auto;
 * each in turn on the same cached DataFrame) --repeat R (1; runs per backend, the first one of a GPU
 * backend includes compiling its kernels) --conf spark.KEY=VALUE (repeatable, e.g.
 * spark.e3spark.gpu.device=0 for a GPU in local mode) --model NAME (a bundled config: featurizer-small, the
 * default, or featurizer-medium; or a MACE config NAME.json, its NAME.safetensors beside it, e.g.
 * conf/mace-small-seeded.json: energies and descriptors, on the CPU) --forces (MACE: energies + forces).
 */
public final class FeaturizeBench {

    /** The options that take a value ({@code --skip-library} is the one flag). */
    private static final List<String> VALUED = List.of("--structures", "--min-atoms", "--max-atoms", "--seed",
            "--partitions", "--dtype", "--master", "--backends", "--repeat", "--conf", "--model");

    private FeaturizeBench() {
    }

    /** A comma-separated list of backends, each run in turn. */
    private static List<String> backends(String list) {
        List<String> out = new ArrayList<>();
        for (String b : list.split(",")) {
            if (!List.of("auto", "cuda", "cpu").contains(b.trim())) {
                throw new IllegalArgumentException("--backends takes a comma-separated list of auto, cuda, cpu; got '"
                        + b.trim() + "'");
            }
            out.add(b.trim());
        }
        return out;
    }

    public static int run(String[] argv, PrintStream out) {
        int n = 10000;
        int min = 20;
        int max = 200;
        long seed = 7;
        int partitions = 0;
        String dtype = "float32";
        boolean library = true;
        String master = System.getProperty("spark.master", "local[2]");
        List<String> backends = List.of("auto");
        int repeat = 1;
        String config = "featurizer-small";
        boolean forces = false;
        Map<String, String> conf = new LinkedHashMap<>();
        try {
            for (int i = 0; i < argv.length; i++) {
                String a = argv[i];
                boolean flag = a.equals("--skip-library") || a.equals("--forces");
                if (!flag && !VALUED.contains(a)) {
                    throw new IllegalArgumentException("unknown option " + a);
                }
                if (!flag && i + 1 >= argv.length) {
                    throw new IllegalArgumentException(a + " needs a value");
                }
                String v = flag ? "" : argv[++i];
                try {
                    switch (a) {
                        case "--skip-library" -> library = false;
                        case "--forces" -> forces = true;
                        case "--structures" -> n = Integer.parseInt(v);
                        case "--min-atoms" -> min = Integer.parseInt(v);
                        case "--max-atoms" -> max = Integer.parseInt(v);
                        case "--seed" -> seed = Long.parseLong(v);
                        case "--partitions" -> partitions = Integer.parseInt(v);
                        case "--dtype" -> dtype = E3SparkConf.DTYPE.parse(v);
                        case "--master" -> master = v;
                        case "--backends" -> backends = backends(v);
                        case "--repeat" -> repeat = Integer.parseInt(v);
                        case "--model" -> config = v;
                        case "--conf" -> {
                            int eq = v.indexOf('=');
                            if (eq <= 0 || !v.startsWith("spark.")) {
                                throw new IllegalArgumentException("--conf takes spark.KEY=VALUE, got '" + v + "'");
                            }
                            conf.put(v.substring(0, eq), v.substring(eq + 1));
                        }
                        default -> throw new IllegalStateException("option " + a + " is declared but not handled");
                    }
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(a + " needs a number, got '" + v + "'");
                }
            }
            if (repeat < 1) {
                throw new IllegalArgumentException("--repeat must be >= 1, got " + repeat);
            }
        } catch (IllegalArgumentException e) {
            System.err.println("featurize-bench: " + e.getMessage());
            return 2;
        }
        FeaturizerModel model = null;
        SparkModel.Mace mace = null;
        try {
            if (SparkModel.isMaceConfig(java.nio.file.Path.of(config))) {
                mace = (SparkModel.Mace) SparkModel.resolve(config, "");
            } else {
                model = FeaturizerModel.seeded(FeaturizerConfig.bundled(config));
            }
        } catch (IllegalArgumentException e) {
            System.err.println("featurize-bench: --model: " + e.getMessage());
            return 2;
        }
        long tg = System.nanoTime();
        List<Structure> data = FeaturizerBench.synthetic(seed, n, min, max);
        long atoms = data.stream().mapToLong(Structure::atomCount).sum();
        out.printf("synthetic dataset: %d structures (%d-%d atoms, seed %d), %d atoms, generated in %.1f s%n", data.size(),
                min, max, seed, atoms, (System.nanoTime() - tg) / 1e9);
        DType dt = DType.valueOf(dtype.toUpperCase(java.util.Locale.ROOT));
        if (library && mace != null) {
            maceLibrary(mace, dt, forces, data, out);
        } else if (library) {
            FeaturizerBench.run(model, ComputeTarget.auto(-1), dt, data, new BatchBudget(
                    E3SparkConf.BATCH_MAX_NODES.defaultValue(), E3SparkConf.BATCH_MAX_EDGES.defaultValue(), 0), out);
        }
        SparkSession.Builder b = SparkSession.builder().appName("e3spark featurize-bench").master(master);
        conf.forEach(b::config);
        SparkSession spark = b.getOrCreate();
        try {
            int p = partitions > 0 ? partitions : 2 * spark.sparkContext().defaultParallelism();
            Dataset<Row> df = StructureFrames.of(spark, data, p).cache();
            df.count();
            Map<String, Double> best = new LinkedHashMap<>();
            for (String backend : backends) {
                for (int r = 1; r <= repeat; r++) {
                    EquivariantFeaturizer f = new EquivariantFeaturizer().setBackend(backend).setDtype(dtype);
                    if (mace != null) {
                        f.setModelPath(config).setForces(forces);
                    } else {
                        f.setModel(model);
                    }
                    long w0 = System.currentTimeMillis();
                    long t0 = System.nanoTime();
                    f.transform(df).write().format("noop").mode("overwrite").save();
                    double secs = (System.nanoTime() - t0) / 1e9;
                    long w1 = System.currentTimeMillis();
                    FeaturizeMetrics.Snapshot m = f.lastMetrics().snapshot();
                    out.printf("spark %s %s, %s, %d partitions, %s, backend %s%s: %d structures in %.1f s = %.1f structures/s, "
                                    + "%.0f atoms/s; %d edges, %d batches; kernels %.1f s = %.0f%% of task time, %.0f%% of the wall time "
                                    + "(durations summed over tasks; task %.1f s, kernel setup %.1f s); GPU batches %d%n",
                            org.apache.spark.package$.MODULE$.SPARK_VERSION(), spark.sparkContext().master(), config, p, dtype,
                            backend, repeat > 1 ? " run " + r + "/" + repeat : "", m.structures(), secs,
                            m.structures() / secs, m.atoms() / secs, m.edges(), m.batches(), m.kernelMillis() / 1000.0,
                            100.0 * m.kernelMillis() / Math.max(1, m.taskMillis()), m.kernelMillis() / 10.0 / secs, m.taskMillis() / 1000.0,
                            m.compileMillis() / 1000.0, m.gpuBatches());
                    FeaturizerBench.printWindow(out, w0, w1);
                    best.merge(backend, m.structures() / secs, Math::max);
                }
            }
            if (best.size() > 1) {
                StringBuilder line = new StringBuilder("best structures/s:");
                best.forEach((k, v) -> line.append(String.format(" %s %.1f", k, v)));
                out.println(line);
            }
            df.unpersist();
        } finally {
            spark.stop();
        }
        return 0;
    }

    /** MACE through the library alone: one warm potential, batches of at most the default maxNodes atoms. */
    private static void maceLibrary(SparkModel.Mace mace, DType dtype, boolean forces, List<Structure> data, PrintStream out) {
        int maxNodes = E3SparkConf.BATCH_MAX_NODES.defaultValue();
        try (org.e3spark.model.MacePotential p = org.e3spark.model.MacePotential.create(mace.model(), ComputeTarget.cpu(), dtype)) {
            p.evaluate(data.subList(0, Math.min(8, data.size())), forces, false); // warm-up
            long t0 = System.nanoTime();
            long atoms = 0;
            int from = 0;
            while (from < data.size()) {
                int to = from;
                int n = 0;
                while (to < data.size() && (to == from || n + data.get(to).atomCount() <= maxNodes)) {
                    n += data.get(to++).atomCount();
                }
                p.evaluate(data.subList(from, to), forces, false);
                atoms += n;
                from = to;
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            out.printf("library MACE %s, %s, cpu, %s: %d structures in %.1f s = %.1f structures/s, %.0f atoms/s%n",
                    mace.name(), dtype.name().toLowerCase(java.util.Locale.ROOT), forces ? "energies + forces" : "energies",
                    data.size(), secs, data.size() / secs, atoms / secs);
        }
    }
}
