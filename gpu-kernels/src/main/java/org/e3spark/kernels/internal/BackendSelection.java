package org.e3spark.kernels.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.e3spark.kernels.Backend;
import org.e3spark.kernels.ConvMode;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.TensorProduct;
import org.e3spark.kernels.TensorProductConv;
import org.e3spark.kernels.internal.cpu.CpuTensorProduct;
import org.e3spark.kernels.internal.cpu.CpuTensorProductConv;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@link Backend#AUTO}: try the GPU, fall back to the CPU and say why, once per reason. */
final class BackendSelection {

    private static final Logger LOG = LoggerFactory.getLogger(BackendSelection.class);
    private static final Set<String> REASONS_LOGGED = ConcurrentHashMap.newKeySet();

    private BackendSelection() {
    }

    static TensorProduct autoFallback(TPProblem problem, DType dtype) {
        try {
            return TensorProductFactory.create(problem, Backend.CUDA, dtype);
        } catch (BackendUnavailableException e) {
            logOnce(e);
            return new CpuTensorProduct(problem, dtype, Backend.CPU);
        }
    }

    static TensorProductConv autoFallbackConv(TPProblem problem, DType dtype, ConvMode mode) {
        try {
            return TensorProductFactory.createConv(problem, Backend.CUDA, dtype, mode);
        } catch (BackendUnavailableException e) {
            logOnce(e);
            return new CpuTensorProductConv(problem, dtype, mode, Backend.CPU);
        }
    }

    private static void logOnce(BackendUnavailableException e) {
        if (REASONS_LOGGED.add(e.getMessage())) {
            LOG.warn("Backend.AUTO: using the CPU backend because CUDA is unavailable: {}", e.getMessage());
        }
    }
}
