package org.e3spark.spark;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.e3spark.data.Structure;
import org.e3spark.data.SyntheticDataset;
import org.e3spark.graph.BatchBudget;
import org.e3spark.graph.EdgeList;
import org.e3spark.graph.GraphBatch;
import org.e3spark.kernels.DType;
import org.e3spark.model.FeaturizerBench;
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
 * --partitions P (2 x default parallelism) --dtype float32|float64 --skip-library.
 */
public final class FeaturizeBench {

    private FeaturizeBench() {
    }

    public static int run(String[] argv, PrintStream out) {
        int n = 10000;
        int min = 20;
        int max = 200;
        long seed = 7;
        int partitions = 0;
        String dtype = "float32";
        boolean library = true;
        for (int i = 0; i < argv.length; i++) {
            switch (argv[i]) {
                case "--structures" -> n = Integer.parseInt(argv[++i]);
                case "--min-atoms" -> min = Integer.parseInt(argv[++i]);
                case "--max-atoms" -> max = Integer.parseInt(argv[++i]);
                case "--seed" -> seed = Long.parseLong(argv[++i]);
                case "--partitions" -> partitions = Integer.parseInt(argv[++i]);
                case "--dtype" -> dtype = E3SparkConf.DTYPE.parse(argv[++i]);
                case "--skip-library" -> library = false;
                default -> {
                    System.err.println("featurize-bench: unknown option " + argv[i]);
                    return 2;
                }
            }
        }
        long tg = System.nanoTime();
        List<Structure> data = FeaturizerBench.synthetic(seed, n, min, max);
        long atoms = data.stream().mapToLong(Structure::atomCount).sum();
        out.printf("synthetic dataset: %d structures (%d-%d atoms, seed %d), %d atoms, generated in %.1f s%n", data.size(),
                min, max, seed, atoms, (System.nanoTime() - tg) / 1e9);
        FeaturizerModel model = FeaturizerModel.seeded(FeaturizerConfig.bundled("featurizer-small"));
        DType dt = DType.valueOf(dtype.toUpperCase());
        if (library) {
            FeaturizerBench.run(model, ComputeTarget.auto(-1), dt, data, new BatchBudget(
                    E3SparkConf.BATCH_MAX_NODES.defaultValue(), E3SparkConf.BATCH_MAX_EDGES.defaultValue(), 0), out);
        }
        SparkSession.Builder b = SparkSession.builder().appName("e3spark featurize-bench");
        if (System.getProperty("spark.master") == null) {
            b.master("local[2]");
        }
        SparkSession spark = b.getOrCreate();
        try {
            int p = partitions > 0 ? partitions : 2 * spark.sparkContext().defaultParallelism();
            Dataset<Row> df = StructureFrames.of(spark, data, p).cache();
            df.count();
            EquivariantFeaturizer f = new EquivariantFeaturizer().setModel(model).setBackend("auto").setDtype(dtype);
            long t0 = System.nanoTime();
            f.transform(df).write().format("noop").mode("overwrite").save();
            double secs = (System.nanoTime() - t0) / 1e9;
            FeaturizeMetrics.Snapshot m = f.lastMetrics().snapshot();
            out.printf("spark %s %s, %d partitions, %s: %d structures in %.1f s = %.1f structures/s, %.0f atoms/s; "
                            + "%d edges, %d batches; kernels %.1f s = %.0f%% of task time; GPU batches %d%n",
                    org.apache.spark.package$.MODULE$.SPARK_VERSION(), spark.sparkContext().master(), p, dtype,
                    m.structures(), secs, m.structures() / secs, m.atoms() / secs, m.edges(), m.batches(),
                    m.kernelMillis() / 1000.0, 100.0 * m.kernelMillis() / Math.max(1, m.taskMillis()), m.gpuBatches());
            df.unpersist();
        } finally {
            spark.stop();
        }
        return 0;
    }
}
