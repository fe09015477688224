package org.e3spark.kernels.internal;

import org.e3spark.kernels.Backend;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.TensorProduct;
import org.e3spark.kernels.internal.cpu.CpuTensorProduct;

/** Chooses and builds the backend behind {@link TensorProduct#create}. */
public final class TensorProductFactory {

    private TensorProductFactory() {
    }

    public static TensorProduct create(TPProblem problem, Backend backend, DType dtype) {
        if (problem == null || backend == null || dtype == null) {
            throw new IllegalArgumentException("problem, backend and dtype must not be null");
        }
        return switch (backend) {
            case CPU, CPU_REFERENCE -> new CpuTensorProduct(problem, dtype, backend);
            case CUDA -> throw new BackendUnavailableException(
                    "Backend.CUDA is not available in this build: the CUDA tensor-product backend is not wired in yet");
            case AUTO -> BackendSelection.autoFallback(problem, dtype);
        };
    }
}
