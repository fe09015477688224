package org.e3spark.kernels.cuda;

import org.e3spark.kernels.gpu.DeviceBuffer;
import org.e3spark.kernels.gpu.GpuFunction;
import org.e3spark.kernels.gpu.GpuStream;
import org.e3spark.kernels.gpu.LaunchConfig;

import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;

/**
 * A kernel in a {@link CudaModule}; borrowed from the module, which owns the native handle.
 *
 * <p>{@link #launch} packs arguments by their Java type, matching the kernel's C signature:
 * {@link DeviceBuffer} → a device pointer, {@link Integer} → {@code int}, {@link Long} →
 * {@code long long}, {@link Float} → {@code float}, {@link Double} → {@code double}. Anything else
 * is refused before the launch, naming the argument.
 */
public final class CudaFunction implements GpuFunction {

    private final CudaModule module;
    private final String name;
    private final CUfunction function;

    CudaFunction(CudaModule module, String name, CUfunction function) {
        this.module = module;
        this.name = name;
        this.function = function;
    }

    public String name() {
        return name;
    }

    /**
     * Allows launches with up to {@code bytes} of dynamic shared memory; above 48 KiB the driver
     * refuses launches unless this was set (the opt-in limit is
     * {@link CudaDevice#maxSharedMemoryPerBlockOptin()}).
     */
    public void setMaxDynamicSharedMemory(int bytes) {
        CudaDevice device = module.device();
        if (bytes < 0 || bytes > device.maxSharedMemoryPerBlockOptin()) {
            throw new IllegalArgumentException("dynamic shared memory " + bytes + " bytes outside [0, "
                    + device.maxSharedMemoryPerBlockOptin() + "] on " + device.name());
        }
        module.checkOpen();
        device.makeCurrent();
        CudaDriver.functionSetAttribute(function,
                CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes, name);
    }

    /** Queues one launch on {@code stream}; returns at once (errors inside the kernel surface at the next sync). */
    public void launch(LaunchConfig config, GpuStream on, Object... args) {
        module.checkOpen();
        CudaStream stream = CudaStream.of(on);
        if (stream.device() != module.device()) {
            throw new IllegalArgumentException("stream belongs to device " + stream.device().ordinal()
                    + ", kernel '" + name + "' to device " + module.device().ordinal());
        }
        Pointer params = Pointer.to(pack(args));
        module.device().makeCurrent();
        CudaDriver.launchKernel(function, config, stream.handle(), params, name);
    }

    private NativePointerObject[] pack(Object[] args) {
        NativePointerObject[] packed = new NativePointerObject[args.length];
        for (int i = 0; i < args.length; i++) {
            packed[i] = switch (args[i]) {
                case CudaBuffer b -> {
                    if (b.device() != module.device()) {
                        throw new IllegalArgumentException("argument " + i + " of kernel '" + name
                                + "' lives on device " + b.device().ordinal());
                    }
                    yield Pointer.to(b.pointer());
                }
                case Integer v -> Pointer.to(new int[] {v});
                case Long v -> Pointer.to(new long[] {v});
                case Float v -> Pointer.to(new float[] {v});
                case Double v -> Pointer.to(new double[] {v});
                case null -> throw new IllegalArgumentException("argument " + i + " of kernel '" + name + "' is null");
                default -> throw new IllegalArgumentException("argument " + i + " of kernel '" + name
                        + "' has unsupported type " + args[i].getClass().getName()
                        + " (a CUDA DeviceBuffer, Integer, Long, Float or Double)");
            };
        }
        return packed;
    }

    @Override
    public String toString() {
        return "CudaFunction[" + name + "]";
    }
}
