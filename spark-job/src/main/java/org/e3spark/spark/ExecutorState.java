package org.e3spark.spark;

import org.e3spark.kernels.Backend;
import org.e3spark.kernels.BackendUnavailableException;
import org.e3spark.kernels.devices.Gpus;
import org.e3spark.model.ComputeTarget;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkFiles;
import org.e3spark.kernels.bundle.KernelBundles;
import org.e3spark.model.Featurizer;
import org.e3spark.model.FeaturizerModel;
import org.e3spark.model.MaceModel;
import org.e3spark.model.MacePotential;
import org.e3spark.model.ModelIo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an executor JVM sets up once and its tasks share: decoded models (by fingerprint, from the
 * broadcast Kryo bytes), open featurizers between tasks ({@link FeaturizerPool}), the GPU slots that
 * cap concurrent kernel tasks, and once-per-executor log lines (device, backend). Kernels themselves
 * are compiled once per executor and architecture by the kernel library's memory and disk cache; a
 * task has a featurizer (its streams and scratch) to itself while it holds a lease.
 */
final class ExecutorState {

    private static final Logger LOG = LoggerFactory.getLogger(ExecutorState.class);
    private static final ConcurrentHashMap<String, FeaturizerModel> MODELS = new ConcurrentHashMap<>();
    private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();
    private static final ConcurrentHashMap<Integer, Semaphore> GPU_SLOTS = new ConcurrentHashMap<>();
    private static volatile Integer localGpus;
    /** How many GPUs this JVM sees (tests put fake, CPU-backed devices here). */
    static volatile java.util.function.IntSupplier gpuCounter = ExecutorState::countGpus;
    // two keys: a job's model and the one before it (a notebook comparing float32 with float64)
    private static final FeaturizerPool<Featurizer> FEATURIZERS = new FeaturizerPool<>(2);
    private static final ConcurrentHashMap<String, MaceModel> MACE_MODELS = new ConcurrentHashMap<>();
    private static final FeaturizerPool<MacePotential> POTENTIALS = new FeaturizerPool<>(2);

    private ExecutorState() {
    }

    static FeaturizerModel model(String fingerprint, byte[] bytes) {
        return MODELS.computeIfAbsent(fingerprint, f -> {
            FeaturizerModel m = ModelIo.fromBytes(bytes, "broadcast model " + f.substring(0, 12));
            if (!m.fingerprint().equals(f)) {
                throw new IllegalStateException("broadcast model's fingerprint changed in transit");
            }
            LOG.info("e3spark: model '{}' decoded on this executor ({}; fingerprint {})", m.config().name(), m.origin(),
                    f.substring(0, 12));
            return m;
        });
    }

    /** The GPU slots of the target's device; per device, the first caller's count wins (one setting per application). */
    static Semaphore gpuSlots(ComputeTarget target, int permits) {
        return GPU_SLOTS.computeIfAbsent(target.resolvedDevice(), d -> new Semaphore(permits, true));
    }

    /**
     * The GPUs a local-mode task may spread over: those this JVM sees, unless the backend is cpu or
     * Spark runs on a cluster (then its resources assign the executor's GPU, and this is 0).
     */
    static int localGpus(FeaturizeSettings.BackendSetting backend, SparkConf conf) {
        if (backend == FeaturizeSettings.BackendSetting.CPU || conf == null || !conf.get("spark.master", "").startsWith("local")) {
            return 0;
        }
        Integer n = localGpus;
        if (n == null) {
            n = gpuCounter.getAsInt();
            localGpus = n;
            infoOnce("local-gpus", "e3spark: local mode sees {} GPU(s); tasks spread over them", n);
        }
        return n;
    }

    private static int countGpus() {
        for (Backend b : new Backend[] {Backend.CUDA, Backend.HIP}) {
            try {
                int n = Gpus.count(b);
                if (n > 0) {
                    return n;
                }
            } catch (BackendUnavailableException e) {
                // no GPU of this kind: try the next
            }
        }
        return 0;
    }

    /** The real counter, for tests to put back. */
    static int countGpusForTests() {
        return countGpus();
    }

    /** Forgets the counted GPUs (tests). */
    static void resetLocalGpus() {
        localGpus = null;
    }

    /** Featurizers kept open between this executor's tasks. */
    static FeaturizerPool<Featurizer> featurizers() {
        return FEATURIZERS;
    }

    /** A MACE model decoded once per executor from its broadcast bytes ({@link SparkModel.Mace#bytes()}). */
    static MaceModel maceModel(String fingerprint, byte[] bytes) {
        return MACE_MODELS.computeIfAbsent(fingerprint, f -> {
            MaceModel m = SparkModel.Mace.decode(bytes);
            LOG.info("e3spark: MACE model {} decoded on this executor (fingerprint {})", m, f.substring(0, 17));
            return m;
        });
    }

    /** MACE potentials kept open between this executor's tasks. */
    static FeaturizerPool<MacePotential> potentials() {
        return POTENTIALS;
    }

    /**
     * Makes the kernel bundles of this application known to the kernel library (once per setting and class
     * loader): those on the task's class path ({@code --jars}) and those {@code spark.e3spark.kernels.bundle}
     * names, each a path on this executor or the name of a file shipped with {@code --files}.
     */
    static void kernelBundles(SparkConf conf) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader != null && LOGGED.add("bundles-classpath:" + System.identityHashCode(loader))) {
            KernelBundles.system().addFromClassPath(loader);
        }
        String configured = conf == null ? "" : E3SparkConf.KERNELS_BUNDLE.get(conf);
        if (configured.isBlank() || !LOGGED.add("bundles:" + configured)) {
            return;
        }
        for (String name : configured.split(",")) {
            if (name.isBlank()) {
                continue;
            }
            Path p = Path.of(name.strip());
            if (!Files.isRegularFile(p)) {
                try {
                    Path shipped = Path.of(SparkFiles.get(p.getFileName().toString()));
                    if (Files.isRegularFile(shipped)) {
                        p = shipped;
                    }
                } catch (RuntimeException e) {
                    // no SparkFiles here (no SparkEnv): the path stays as given and its absence is logged below
                }
            }
            KernelBundles.system().add(p); // a missing or refused bundle is logged once there; kernels are compiled
        }
    }

    static void infoOnce(String key, String format, Object... args) {
        if (LOGGED.add(key)) {
            LOG.info(format, args);
        }
    }
}
