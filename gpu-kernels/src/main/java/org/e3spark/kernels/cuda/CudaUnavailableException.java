package org.e3spark.kernels.cuda;

import org.e3spark.kernels.BackendUnavailableException;

/**
 * The CUDA driver cannot be used in this process: libcuda missing, JCuda's natives not loadable,
 * {@code cuInit} failed, or zero devices. The message says which; {@code Backend.AUTO} logs it once
 * and falls back to the CPU.
 */
public final class CudaUnavailableException extends BackendUnavailableException {
    public CudaUnavailableException(String message) {
        super(message);
    }

    public CudaUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
