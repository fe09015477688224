package org.e3spark.kernels.devices;

import org.e3spark.kernels.Backend;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.SymmetricContraction;
import org.e3spark.kernels.SymmetricContractionProblem;
import org.e3spark.kernels.cuda.CudaSymmetricContraction;
import org.e3spark.kernels.internal.cpu.CpuSymmetricContraction;

/** Chooses and builds the backend behind {@link SymmetricContraction#create}. */
public final class SymmetricContractionFactory {

    private SymmetricContractionFactory() {
    }

    public static SymmetricContraction create(SymmetricContractionProblem problem, Backend backend, DType dtype) {
        if (problem == null || backend == null || dtype == null) {
            throw new IllegalArgumentException("problem, backend and dtype must not be null");
        }
        return switch (backend) {
            case CPU, CPU_REFERENCE -> new CpuSymmetricContraction(problem, dtype, backend);
            case CUDA -> CudaSymmetricContraction.create(problem, dtype);
            case HIP -> throw org.e3spark.kernels.hip.HipBackend.unavailable("the symmetric contraction");
            case AUTO -> BackendSelection.autoFallback(problem, dtype);
        };
    }
}
