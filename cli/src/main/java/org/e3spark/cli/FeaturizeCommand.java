package org.e3spark.cli;

import org.e3spark.spark.FeaturizeJob;

/**
 * {@code featurize} ({@link FeaturizeJob}: the Spark job in local mode, default input the bundled
 * sample) and {@code featurize-bench} ({@link FeaturizeBench}). Spark is a provided dependency:
 * {@code bin/e3spark} puts Spark's jars and its JVM options in place for these two commands; run
 * another way without them, they say so instead of failing on a missing class.
 */
final class FeaturizeCommand implements Main.RawCommand {

    private final boolean bench;

    FeaturizeCommand(boolean bench) {
        this.bench = bench;
    }

    @Override
    public String summary() {
        return bench ? "structures/s of the featurizer, the library alone and Spark local[2], on a synthetic dataset: "
                + "[--structures 10000] [--min-atoms 20] [--max-atoms 200] [--seed S] [--dtype float32|float64] "
                + "[--skip-library] [--master URL] [--backends auto,cuda,cpu] [--repeat R] [--conf spark.KEY=VALUE] "
                + "[--model featurizer-small|featurizer-medium|MACE.json] [--forces]"
                : "the Spark featurization job in local mode: [--input FILE|@sample] [--format parquet|extxyz|arrow] "
                + "[--output DIR] [--output-format parquet|json] [--model CONF.json|MODEL.e3k|MACE.json] [--weights W.safetensors] "
                + "[--on-error fail|skip] [--backend auto|cuda|cpu] [--forces] [--stress] [--conf spark.KEY=VALUE]";
    }

    @Override
    public int runRaw(String[] args) {
        try {
            Class.forName("org.apache.spark.sql.SparkSession", false, FeaturizeCommand.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            System.err.println("e3spark " + (bench ? "featurize-bench" : "featurize") + ": Spark's jars are not on the "
                    + "classpath; run it through bin/e3spark, which adds them (or spark-submit the shaded spark-job jar)");
            return 2;
        }
        return bench ? FeaturizeBench.run(args, System.out) : FeaturizeJob.run(args, System.out);
    }
}
