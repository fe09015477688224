package org.e3spark.kernels.devices;

import org.e3spark.kernels.Backend;
import org.e3spark.kernels.ConvMode;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.TensorProduct;
import org.e3spark.kernels.TensorProductConv;
import org.e3spark.kernels.cuda.CudaTensorProduct;
import org.e3spark.kernels.cuda.CudaTensorProductConv;
import org.e3spark.kernels.internal.cpu.CpuTensorProduct;
import org.e3spark.kernels.internal.cpu.CpuTensorProductConv;

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
            case CUDA -> CudaTensorProduct.create(problem, dtype);
            case HIP -> throw org.e3spark.kernels.hip.HipBackend.unavailable("the tensor product");
            case AUTO -> BackendSelection.autoFallback(problem, dtype);
        };
    }

    public static TensorProductConv createConv(TPProblem problem, Backend backend, DType dtype, ConvMode mode) {
        if (problem == null || backend == null || dtype == null || mode == null) {
            throw new IllegalArgumentException("problem, backend, dtype and mode must not be null");
        }
        return switch (backend) {
            case CPU, CPU_REFERENCE -> new CpuTensorProductConv(problem, dtype, mode, backend);
            case CUDA -> CudaTensorProductConv.create(problem, dtype, mode);
            case HIP -> throw org.e3spark.kernels.hip.HipBackend.unavailable("the fused convolution");
            case AUTO -> BackendSelection.autoFallbackConv(problem, dtype, mode);
        };
    }
}
