package org.e3spark.model;

/**
 * The featurizer's JVM switches, declared here once (system properties, read when a
 * {@link Featurizer} is created or asked): diagnostics and benchmark knobs for the CUDA path, both on
 * by default; the GPU scripts set them ({@code -De3spark.featurizer.deviceGraph=false} times the
 * host-graph path).
 */
public final class FeaturizerSwitches {

    /** {@value}: false keeps the dense stages on the host even on CUDA (only the convolutions on the device). */
    public static final String DEVICE = "e3spark.featurizer.device";
    /** {@value}: false builds radius graphs on the host and uploads them, instead of searching them on the GPU. */
    public static final String DEVICE_GRAPH = "e3spark.featurizer.deviceGraph";

    private FeaturizerSwitches() {
    }

    /** Whether the whole forward pass may run on the device ({@value #DEVICE}, default true). */
    public static boolean device() {
        return Boolean.parseBoolean(System.getProperty(DEVICE, "true"));
    }

    /** Whether radius graphs may be searched on the device ({@value #DEVICE_GRAPH}, default true). */
    public static boolean deviceGraph() {
        return Boolean.parseBoolean(System.getProperty(DEVICE_GRAPH, "true"));
    }
}
