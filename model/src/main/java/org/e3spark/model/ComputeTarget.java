package org.e3spark.model;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.e3spark.kernels.Backend;
import org.e3spark.kernels.BackendUnavailableException;
import org.e3spark.kernels.ConvMode;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.TensorProductConv;
import org.e3spark.kernels.devices.Gpus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where a featurizer runs: a {@link Backend} and, for the GPU backends (and AUTO), a device ordinal.
 * Ordinal -1 means the process default: {@code -De3spark.cuda.device=N}, else the environment
 * variable {@code E3SPARK_CUDA_DEVICE}, else 0. The device is chosen per instance: two targets with
 * different ordinals drive two GPUs from one JVM (a featurizer per device), and nothing here writes a
 * system property. AUTO tries CUDA, then HIP, then the CPU, logging once why it passed a GPU over.
 */
public record ComputeTarget(Backend backend, int device) {

    private static final Logger LOG = LoggerFactory.getLogger(ComputeTarget.class);
    private static final Set<String> REASONS_LOGGED = ConcurrentHashMap.newKeySet();

    public static final String DEVICE_PROPERTY = Gpus.DEVICE_PROPERTY;
    public static final String DEVICE_ENV = Gpus.DEVICE_ENV;

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

    /** An AMD GPU through HIP; creating kernels fails with the reason where no AMD GPU is present. */
    public static ComputeTarget hip(int device) {
        return new ComputeTarget(Backend.HIP, device);
    }

    public static ComputeTarget auto(int device) {
        return new ComputeTarget(Backend.AUTO, device);
    }

    /** Whether this target may use a GPU. */
    public boolean wantsGpu() {
        return backend == Backend.CUDA || backend == Backend.HIP || backend == Backend.AUTO;
    }

    /** The process default device: the system property, else the environment variable, else 0. */
    public static int defaultDevice() {
        return Gpus.defaultOrdinal();
    }

    /** The ordinal this target uses: its own, or the process default. */
    public int resolvedDevice() {
        return device >= 0 ? device : defaultDevice();
    }

    /**
     * A fused convolution on this target: on the CPU backends as {@link TensorProductConv#create}; on
     * a GPU backend on this target's device (never the process default when an ordinal is given); for
     * AUTO on CUDA, else HIP, else the CPU.
     */
    public TensorProductConv convolution(TPProblem problem, DType dtype, ConvMode mode) {
        return switch (backend) {
            case CPU, CPU_REFERENCE -> TensorProductConv.create(problem, backend, dtype, mode);
            case CUDA, HIP -> Gpus.convolution(problem, dtype, mode, Gpus.device(backend, resolvedDevice()));
            case AUTO -> {
                BackendUnavailableException cuda;
                try {
                    yield Gpus.convolution(problem, dtype, mode, Gpus.device(Backend.CUDA, resolvedDevice()));
                } catch (BackendUnavailableException e) {
                    cuda = e;
                }
                try {
                    yield Gpus.convolution(problem, dtype, mode, Gpus.device(Backend.HIP, resolvedDevice()));
                } catch (BackendUnavailableException hip) {
                    if (REASONS_LOGGED.add(cuda.getMessage() + "\n" + hip.getMessage())) {
                        LOG.warn("{}: using the CPU backend because CUDA is unavailable ({}) and HIP is unavailable ({})",
                                this, cuda.getMessage(), hip.getMessage());
                    }
                    yield TensorProductConv.create(problem, Backend.CPU, dtype, mode);
                }
            }
        };
    }

    @Override
    public String toString() {
        return wantsGpu() ? backend.name().toLowerCase() + ":" + (device < 0 ? "default" : device) : backend.name().toLowerCase();
    }
}
