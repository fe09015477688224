package org.e3spark.model;

import org.e3spark.kernels.Backend;

/**
 * Where a featurizer runs: a {@link Backend} and, for CUDA (and AUTO), a device ordinal. Ordinal
 * -1 means the process default: {@code -De3spark.cuda.device=N}, else the environment variable
 * {@code E3SPARK_CUDA_DEVICE}, else 0. A process drives one GPU (spark-rapids' convention: one GPU
 * per executor), so {@link #select()} makes the ordinal the process default and refuses a second,
 * different one.
 */
public record ComputeTarget(Backend backend, int device) {

    public static final String DEVICE_PROPERTY = "e3spark.cuda.device";
    public static final String DEVICE_ENV = "E3SPARK_CUDA_DEVICE";

    public ComputeTarget {
        if (backend == null) {
            throw new IllegalArgumentException("backend is required");
        }
        if (device < -1) {
            throw new IllegalArgumentException("device ordinal must be >= 0 (or -1 for the default), got " + device);
        }
    }

    public static ComputeTarget cpu() {
        return new ComputeTarget(Backend.CPU, -1);
    }

    public static ComputeTarget cuda(int device) {
        return new ComputeTarget(Backend.CUDA, device);
    }

    public static ComputeTarget auto(int device) {
        return new ComputeTarget(Backend.AUTO, device);
    }

    /** Whether this target may use a GPU. */
    public boolean wantsGpu() {
        return backend == Backend.CUDA || backend == Backend.AUTO;
    }

    /** The process default device: the system property, else the environment variable, else 0. */
    public static int defaultDevice() {
        String v = System.getProperty(DEVICE_PROPERTY);
        String from = "-D" + DEVICE_PROPERTY;
        if (v == null || v.isBlank()) {
            v = System.getenv(DEVICE_ENV);
            from = DEVICE_ENV;
        }
        if (v == null || v.isBlank()) {
            return 0;
        }
        try {
            int d = Integer.parseInt(v.trim());
            if (d < 0) {
                throw new NumberFormatException("negative");
            }
            return d;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(from + " must be a device ordinal >= 0, got '" + v + "'");
        }
    }

    /** The ordinal this target uses: its own, or the process default. */
    public int resolvedDevice() {
        return device >= 0 ? device : defaultDevice();
    }

    /**
     * Makes this target's device the process default before kernels are created (a no-op for the
     * CPU backends and for the default device). Throws when the process already uses another GPU.
     */
    public synchronized void select() {
        if (!wantsGpu() || device < 0) {
            return;
        }
        synchronized (ComputeTarget.class) {
            String current = System.getProperty(DEVICE_PROPERTY);
            if (current == null || current.isBlank()) {
                System.setProperty(DEVICE_PROPERTY, Integer.toString(device));
            } else if (!current.trim().equals(Integer.toString(device))) {
                throw new IllegalStateException("this process already drives CUDA device " + current.trim() + " (-D"
                        + DEVICE_PROPERTY + "); it cannot also use device " + device + ": one GPU per executor");
            }
        }
    }

    @Override
    public String toString() {
        return wantsGpu() ? backend.name().toLowerCase() + ":" + (device < 0 ? "default" : device) : backend.name().toLowerCase();
    }
}
