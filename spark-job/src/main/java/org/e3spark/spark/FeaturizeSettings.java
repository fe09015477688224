package org.e3spark.spark;

import java.io.Serializable;

/** Everything a partition needs to know, resolved on the driver (params over spark.e3spark.* over defaults). */
public record FeaturizeSettings(String backend, int gpuDevice, int gpuConcurrentTasks, String dtype, boolean skipErrors,
                                int maxNodes, int maxEdges, boolean forces, int progressSeconds,
                                String atomFeaturesCol, String structureFeaturesCol) implements Serializable {

    public FeaturizeSettings {
        if (maxNodes < 1 || maxEdges < 0 || gpuConcurrentTasks < 1 || progressSeconds < 1) {
            throw new IllegalArgumentException("invalid featurize settings: " + maxNodes + " nodes, " + maxEdges
                    + " edges, " + gpuConcurrentTasks + " GPU tasks, progress every " + progressSeconds + " s");
        }
    }
}
