package org.e3spark.kernels.cuda;

import org.e3spark.kernels.gpu.GpuModule;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import jcuda.driver.CUmodule;

/**
 * Owns one loaded {@code CUmodule} (a CUBIN image in one device's context). Its
 * {@link CudaFunction}s are borrowed handles: they stop working when the module is closed.
 */
public final class CudaModule implements GpuModule {

    private final CudaDevice device;
    private final CUmodule module;
    private final Map<String, CudaFunction> functions = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    CudaModule(CudaDevice device, CUmodule module) {
        this.device = device;
        this.module = module;
    }

    /**
     * The kernel named {@code name} (declare it {@code extern "C"} so the name is not mangled).
     * Throws {@link CudaException} with {@code CUDA_ERROR_NOT_FOUND} when the module has no such kernel.
     */
    public CudaFunction function(String name) {
        checkOpen();
        return functions.computeIfAbsent(name, n -> {
            device.makeCurrent();
            return new CudaFunction(this, n, CudaDriver.moduleFunction(module, n));
        });
    }

    public CudaDevice device() {
        return device;
    }

    void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("CUDA module is closed");
        }
    }

    /** Unloads the module; harmless when already closed. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && !device.contextReleased()) {
            device.makeCurrentWhileClosing();
            CudaDriver.moduleUnload(module);
        }
    }
}
