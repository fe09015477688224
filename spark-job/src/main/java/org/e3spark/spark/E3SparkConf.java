package org.e3spark.spark;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.RuntimeConfig;

/**
 * Every {@code spark.e3spark.*} setting, each declared once here with its type, default and doc.
 * Only {@code spark.*} keys survive {@code spark-submit --conf}, hence the prefix. Values are read
 * from a {@link SparkConf} (executors) or the session's {@link RuntimeConfig} (driver); a malformed
 * value is an error naming the key, never silently the default.
 */
public final class E3SparkConf {

    /** One setting: key, type (by its parser), default, doc. */
    public record Key<T>(String key, String type, T defaultValue, String doc, Function<String, T> parser) {
        public T parse(String raw) {
            try {
                return parser.apply(raw.trim());
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(key + " must be " + type + ", got '" + raw + "'"
                        + (e.getMessage() == null ? "" : ": " + e.getMessage()), e);
            }
        }

        public T get(SparkConf conf) {
            return conf.contains(key) ? parse(conf.get(key)) : defaultValue;
        }

        public T get(RuntimeConfig conf) {
            return conf.contains(key) ? parse(conf.get(key)) : defaultValue;
        }
    }

    public static final Key<String> BACKEND = new Key<>("spark.e3spark.backend", "auto|cuda|cpu", "auto",
            "Where executors run the kernels: auto (the task's GPU when Spark assigned one or "
                    + "spark.e3spark.gpu.device is set; in local mode every GPU the JVM sees, tasks spread over them; "
                    + "else the CPU), cuda (a GPU is required), cpu.",
            choice("auto", "cuda", "cpu"));
    public static final Key<Integer> GPU_DEVICE = new Key<>("spark.e3spark.gpu.device", "an int >= -1", -1,
            "CUDA device ordinal when Spark assigns no GPU resource to the task (-1: none; in local mode tasks then "
                    + "spread over every GPU the JVM sees, partition % count; on a cluster, the CPU under auto).",
            s -> atLeast(Integer.parseInt(s), -1));
    // 4: measured on the H100 (featurizer-small, local[16], 1M structures): 2 -> 80k, 4 -> 95k, 8 -> 101k structures/s;
    // each slot keeps one featurizer's device buffers
    public static final Key<Integer> GPU_CONCURRENT_TASKS = new Key<>("spark.e3spark.gpu.concurrentTasks", "an int >= 1", 4,
            "How many tasks of one executor feed its GPU at once, each through its own featurizer (streams, device "
                    + "buffers); the others convert rows meanwhile and wait for a slot.",
            s -> atLeast(Integer.parseInt(s), 1));
    public static final Key<String> DTYPE = new Key<>("spark.e3spark.dtype", "float32|float64", "float32",
            "Precision of the convolution kernels (dense stages and outputs are as documented).",
            choice("float32", "float64"));
    public static final Key<String> ON_ERROR = new Key<>("spark.e3spark.onError", "fail|skip", "fail",
            "A row that is not a valid structure (or has an element outside the model's species): fail the job, "
                    + "or skip it, count it and write it with the reason to the errors output.",
            choice("fail", "skip"));
    public static final Key<Integer> BATCH_MAX_NODES = new Key<>("spark.e3spark.batch.maxNodes", "an int >= 1", 4096,
            "Atoms per kernel batch (a larger structure gets a batch of its own).", s -> atLeast(Integer.parseInt(s), 1));
    public static final Key<Integer> BATCH_MAX_EDGES = new Key<>("spark.e3spark.batch.maxEdges", "an int >= 0", 262144,
            "Edges per kernel batch (0: no limit).", s -> atLeast(Integer.parseInt(s), 0));
    public static final Key<Boolean> FORCES = new Key<>("spark.e3spark.forces", "true|false", false,
            "Also output the pooled scalar (energy) and forces = -d energy / d positions, by the backward passes.",
            s -> Boolean.parseBoolean(choice("true", "false").apply(s.toLowerCase(Locale.ROOT))));
    public static final Key<Boolean> STRESS = new Key<>("spark.e3spark.stress", "true|false", false,
            "MACE models: also output the stress (9 values, eV/Å³, MACE's sign) of periodic rows; null for the others.",
            s -> Boolean.parseBoolean(choice("true", "false").apply(s.toLowerCase(Locale.ROOT))));
    public static final Key<String> MODEL = new Key<>("spark.e3spark.model", "a path or ''", "",
            "Featurizer config (conf/featurizer-*.json), a saved model (.e3k) or a MACE config (NAME.json with model_class, "
                    + "NAME.safetensors beside it); '' = the bundled featurizer-small.",
            s -> s);
    public static final Key<String> WEIGHTS = new Key<>("spark.e3spark.weights", "a path or ''", "",
            "Safetensors weights for the config ('' = seeded deterministic initialization; for MACE the file beside the config).",
            s -> s);
    public static final Key<Integer> PROGRESS_SECONDS = new Key<>("spark.e3spark.progress.intervalSeconds", "an int >= 1", 30,
            "How often a running partition logs its progress (structures/s); it always logs when it ends.",
            s -> atLeast(Integer.parseInt(s), 1));

    public static final Key<String> KERNELS_BUNDLE = new Key<>("spark.e3spark.kernels.bundle", "paths or ''", "",
            "Ahead-of-time kernel bundles (bin/e3spark kernels bundle) for executors: paths on the executors, or names of "
                    + "files shipped with --files, comma-separated; consulted before the kernel cache and NVRTC. '' = none "
                    + "besides those on the class path (spark-submit --jars kernels.jar).", s -> s);

    /** All keys, for docs and the CLI's listing. */
    public static final List<Key<?>> ALL = List.of(BACKEND, GPU_DEVICE, GPU_CONCURRENT_TASKS, DTYPE, ON_ERROR,
            BATCH_MAX_NODES, BATCH_MAX_EDGES, FORCES, STRESS, MODEL, WEIGHTS, PROGRESS_SECONDS, KERNELS_BUNDLE);

    private E3SparkConf() {
    }

    private static Function<String, String> choice(String... allowed) {
        return s -> {
            for (String a : allowed) {
                if (a.equals(s.toLowerCase(Locale.ROOT))) {
                    return a;
                }
            }
            throw new IllegalArgumentException("not one of " + String.join(", ", allowed));
        };
    }

    private static int atLeast(int v, int min) {
        if (v < min) {
            throw new IllegalArgumentException("below " + min);
        }
        return v;
    }
}
