package org.e3spark.kernels.devices;

import org.e3spark.kernels.BackendUnavailableException;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.e3spark.kernels.Backend;
import org.e3spark.kernels.ConvMode;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.SymmetricContraction;
import org.e3spark.kernels.SymmetricContractionProblem;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.TensorProduct;
import org.e3spark.kernels.TensorProductConv;
import org.e3spark.kernels.internal.cpu.CpuSymmetricContraction;
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
        return firstGpu(b -> TensorProductFactory.create(problem, b, dtype),
                () -> new CpuTensorProduct(problem, dtype, Backend.CPU));
    }

    static TensorProductConv autoFallbackConv(TPProblem problem, DType dtype, ConvMode mode) {
        return firstGpu(b -> TensorProductFactory.createConv(problem, b, dtype, mode),
                () -> new CpuTensorProductConv(problem, dtype, mode, Backend.CPU));
    }

    static SymmetricContraction autoFallback(SymmetricContractionProblem problem, DType dtype) {
        return firstGpu(b -> SymmetricContractionFactory.create(problem, b, dtype),
                () -> new CpuSymmetricContraction(problem, dtype, Backend.CPU));
    }

    /** CUDA, then HIP, then the CPU; the reasons the GPUs were passed over are logged once. */
    static <T> T firstGpu(java.util.function.Function<Backend, T> gpu, java.util.function.Supplier<T> cpu) {
        BackendUnavailableException cuda;
        try {
            return gpu.apply(Backend.CUDA);
        } catch (BackendUnavailableException e) {
            cuda = e;
        }
        try {
            return gpu.apply(Backend.HIP);
        } catch (BackendUnavailableException hip) {
            logOnce(cuda, hip);
            return cpu.get();
        }
    }

    private static void logOnce(BackendUnavailableException cuda, BackendUnavailableException hip) {
        if (REASONS_LOGGED.add(cuda.getMessage() + "\n" + hip.getMessage())) {
            LOG.warn("Backend.AUTO: using the CPU backend because CUDA is unavailable ({}) and HIP is unavailable ({})",
                    cuda.getMessage(), hip.getMessage());
        }
    }
}
