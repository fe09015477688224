package org.e3spark.spark;

import java.io.Serializable;
import java.util.Locale;
import org.e3spark.kernels.DType;

/**
 * Everything a partition needs to know, resolved and parsed on the driver (params over
 * spark.e3spark.* over defaults): executors read enums and numbers, never strings to parse.
 */
public record FeaturizeSettings(BackendSetting backend, int gpuDevice, int gpuConcurrentTasks, DType dtype,
                                boolean skipErrors, int maxNodes, int maxEdges, boolean forces, boolean stress,
                                int progressSeconds, String atomFeaturesCol, String structureFeaturesCol)
        implements Serializable {

    /** spark.e3spark.backend. */
    public enum BackendSetting {
        AUTO, CUDA, CPU;

        /** From the validated setting ({@link E3SparkConf#BACKEND}). */
        public static BackendSetting of(String s) {
            return valueOf(E3SparkConf.BACKEND.parse(s).toUpperCase(Locale.ROOT));
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public FeaturizeSettings {
        if (maxNodes < 1 || maxEdges < 0 || gpuConcurrentTasks < 1 || progressSeconds < 1) {
            throw new IllegalArgumentException("invalid featurize settings: " + maxNodes + " nodes, " + maxEdges
                    + " edges, " + gpuConcurrentTasks + " GPU tasks, progress every " + progressSeconds + " s");
        }
        java.util.Objects.requireNonNull(backend, "backend");
        java.util.Objects.requireNonNull(dtype, "dtype");
    }

    /** The dtype as the setting spells it (float32, float64). */
    public String dtypeName() {
        return dtype.name().toLowerCase(Locale.ROOT);
    }
}
