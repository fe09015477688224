package org.e3spark.kernels.devices;

import org.e3spark.kernels.Backend;
import org.e3spark.kernels.ConvMode;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.SymmetricContractionProblem;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.cuda.CudaDevice;
import org.e3spark.kernels.cuda.CudaRuntime;
import org.e3spark.kernels.cuda.CudaSymmetricContraction;
import org.e3spark.kernels.cuda.CudaTensorProduct;
import org.e3spark.kernels.cuda.CudaTensorProductConv;
import org.e3spark.kernels.gpu.DeviceSymmetricContraction;
import org.e3spark.kernels.gpu.DeviceTensorProduct;
import org.e3spark.kernels.gpu.DeviceTensorProductConv;
import org.e3spark.kernels.gpu.GpuDevice;
import org.e3spark.kernels.hip.HipBackend;
import org.e3spark.kernels.hip.HipDevices;
import org.e3spark.kernels.hip.HipUnavailableException;

/**
 * The one place above the GPU backends: opens a {@link GpuDevice} of a {@link Backend} by ordinal and
 * builds the device-resident kernels on a given device. Code above gpu-kernels (the featurizer, the
 * benches, Spark) talks to this class and the {@code org.e3spark.kernels.gpu} seam only, never to
 * {@code cuda/} or {@code hip/}. Devices are chosen per instance: nothing here reads or writes a
 * system property except {@link #defaultOrdinal()}, the default where a caller names no device.
 */
public final class Gpus {

    public static final String DEVICE_PROPERTY = "e3spark.cuda.device";
    public static final String DEVICE_ENV = "E3SPARK_CUDA_DEVICE";

    private Gpus() {
    }

    /**
     * How many GPUs of {@code backend} this process sees; throws a
     * {@link org.e3spark.kernels.BackendUnavailableException} subclass naming the reason when
     * there is no usable driver (CUDA) or no AMD GPU (HIP).
     */
    public static int count(Backend backend) {
        return switch (requireGpu(backend)) {
            case CUDA -> CudaDevice.count();
            case HIP -> HipDevices.list().size();
            default -> throw new IllegalStateException();
        };
    }

    /** The device of this ordinal, opened once per process and shared; throws with the reason without one. */
    public static GpuDevice device(Backend backend, int ordinal) {
        return switch (requireGpu(backend)) {
            case CUDA -> CudaRuntime.device(ordinal);
            case HIP -> throw hip("the HIP device layer");
            default -> throw new IllegalStateException();
        };
    }

    /** The default device ordinal: {@code -De3spark.cuda.device=N}, else {@code E3SPARK_CUDA_DEVICE}, else 0. */
    public static int defaultOrdinal() {
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

    /** A fused convolution whose kernels are compiled for and run on {@code device}. */
    public static DeviceTensorProductConv convolution(TPProblem problem, DType dtype, ConvMode mode, GpuDevice device) {
        if (device instanceof CudaDevice cuda) {
            return CudaTensorProductConv.create(problem, dtype, mode, cuda);
        }
        throw unsupported(device);
    }

    /**
     * As {@link #convolution(TPProblem, DType, ConvMode, GpuDevice)} with the planner's bytes-per-warp
     * budget set ({@code 0}: the dtype's default); results do not depend on it (for sweeps).
     */
    public static DeviceTensorProductConv convolution(TPProblem problem, DType dtype, ConvMode mode, GpuDevice device,
                                                      int targetBytesPerWarp) {
        if (device instanceof CudaDevice cuda) {
            return CudaTensorProductConv.create(problem, dtype, mode, cuda, tuning(dtype, targetBytesPerWarp));
        }
        throw unsupported(device);
    }

    /** The bytes-per-warp budget a convolution of {@code dtype} plans with ({@code 0} requested: the default). */
    public static int convolutionBytesPerWarp(DType dtype, int requested) {
        return tuning(dtype, requested).targetBytesPerWarp();
    }

    private static org.e3spark.kernels.internal.codegen.PlannerTuning tuning(DType dtype, int requested) {
        var d = org.e3spark.kernels.internal.codegen.PlannerTuning.convolutionDefault(dtype);
        return requested == 0 ? d : d.withTargetBytesPerWarp(requested);
    }

    /** A tensor product whose kernels are compiled for and run on {@code device}. */
    public static DeviceTensorProduct tensorProduct(TPProblem problem, DType dtype, GpuDevice device) {
        if (device instanceof CudaDevice cuda) {
            return CudaTensorProduct.create(problem, dtype, cuda);
        }
        throw unsupported(device);
    }

    /** A symmetric contraction whose kernels are compiled for and run on {@code device}. */
    public static DeviceSymmetricContraction symmetricContraction(SymmetricContractionProblem problem, DType dtype,
                                                                  GpuDevice device) {
        if (device instanceof CudaDevice cuda) {
            return CudaSymmetricContraction.create(problem, dtype, cuda);
        }
        throw unsupported(device);
    }

    /** Compiles every convolution kernel of this problem and dtype for {@code device} into the kernel cache. */
    public static void precompileConvolution(TPProblem problem, DType dtype, GpuDevice device) {
        if (device instanceof CudaDevice cuda) {
            CudaTensorProductConv.precompile(problem, dtype, cuda);
            return;
        }
        throw unsupported(device);
    }

    /**
     * Compiler seconds for the forward and backward kernels of a tensor product on {@code device}: cold
     * (an empty, private kernel cache) and disk-warm (for the benches).
     */
    public static double[] compileSeconds(TPProblem problem, DType dtype, GpuDevice device) throws java.io.IOException {
        if (device instanceof CudaDevice cuda) {
            return CudaRuntime.compileSeconds(problem, dtype, cuda);
        }
        throw unsupported(device);
    }

    /** What a backend's run-time compiler has done so far: bundle hits and misses and kernel-cache figures. */
    public record CompilerStats(long bundleHits, long bundleMisses, String cache) {
    }

    /** The process-wide compiler's figures for {@code backend} (the benches and first-batch timings print them). */
    public static CompilerStats compilerStats(Backend backend) {
        if (requireGpu(backend) != Backend.CUDA) {
            throw hip("the HIP compiler statistics");
        }
        var b = CudaRuntime.compiler().bundles();
        return new CompilerStats(b.hits(), b.misses(), String.valueOf(CudaRuntime.compiler().cache().stats()));
    }

    private static Backend requireGpu(Backend backend) {
        if (backend != Backend.CUDA && backend != Backend.HIP) {
            throw new IllegalArgumentException("not a GPU backend: " + backend + " (CUDA or HIP)");
        }
        return backend;
    }

    private static RuntimeException hip(String what) {
        RuntimeException e = HipBackend.unavailable(what);
        return e;
    }

    private static IllegalArgumentException unsupported(GpuDevice device) {
        return new IllegalArgumentException("no kernels for " + device + " (backend " + device.backend() + ")");
    }

    /** Whether an AMD GPU is visible (tests). */
    public static boolean hipPresentForTests() {
        try {
            return !HipDevices.list().isEmpty();
        } catch (HipUnavailableException e) {
            return false;
        }
    }
}
