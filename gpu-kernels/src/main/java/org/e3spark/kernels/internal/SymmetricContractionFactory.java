package org.e3spark.kernels.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.e3spark.kernels.Backend;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.SymmetricContraction;
import org.e3spark.kernels.SymmetricContractionProblem;
import org.e3spark.kernels.cuda.CudaSymmetricContraction;
import org.e3spark.kernels.internal.cpu.CpuSymmetricContraction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses and builds the backend behind {@link SymmetricContraction#create}. {@link Backend#AUTO} tries
 * CUDA and falls back to the CPU, logging the reason once.
 */
public final class SymmetricContractionFactory {

    private static final Logger LOG = LoggerFactory.getLogger(SymmetricContractionFactory.class);
    private static final Set<String> REASONS_LOGGED = ConcurrentHashMap.newKeySet();

    private SymmetricContractionFactory() {
    }

    public static SymmetricContraction create(SymmetricContractionProblem problem, Backend backend, DType dtype) {
        if (problem == null || backend == null || dtype == null) {
            throw new IllegalArgumentException("problem, backend and dtype must not be null");
        }
        return switch (backend) {
            case CPU, CPU_REFERENCE -> new CpuSymmetricContraction(problem, dtype, backend);
            case CUDA -> createCuda(problem, dtype);
            case AUTO -> {
                try {
                    yield createCuda(problem, dtype);
                } catch (BackendUnavailableException e) {
                    if (REASONS_LOGGED.add(e.getMessage())) {
                        LOG.warn("Backend.AUTO: using the CPU symmetric contraction because CUDA is unavailable: {}",
                                e.getMessage());
                    }
                    yield new CpuSymmetricContraction(problem, dtype, Backend.CPU);
                }
            }
        };
    }

    /** The CUDA engine on the default device; BackendUnavailableException where it cannot run. */
    private static SymmetricContraction createCuda(SymmetricContractionProblem problem, DType dtype) {
        return CudaSymmetricContraction.create(problem, dtype);
    }
}
