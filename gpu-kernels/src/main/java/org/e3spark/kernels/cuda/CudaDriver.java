package org.e3spark.kernels.cuda;

import org.e3spark.kernels.gpu.LaunchConfig;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.charset.StandardCharsets;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUevent;
import jcuda.driver.CUfunction;
import jcuda.driver.CUmodule;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;
import jcuda.driver.JCudaDriver;

/**
 * The one place that calls JCuda. Exceptions are disabled in JCuda and every result code is
 * checked here, so each failure becomes a {@link CudaException} naming the API and the
 * {@code CUresult}; nothing else in e3spark may import {@code jcuda.driver.JCudaDriver}.
 *
 * <p>Loading is guarded: without libcuda JCuda's static initializer throws
 * {@link UnsatisfiedLinkError} once and {@link NoClassDefFoundError} ever after. {@link #init()}
 * turns both into the same {@link CudaUnavailableException} with the first reason, every time.
 */
final class CudaDriver {

    /** {@code CU_MEMHOSTALLOC_PORTABLE}: pinned memory usable from every context. */
    static final int MEMHOSTALLOC_PORTABLE = JCudaDriver.CU_MEMHOSTALLOC_PORTABLE;

    private static final Object INIT_LOCK = new Object();
    private static volatile String unavailableReason;
    private static volatile boolean initialized;

    private CudaDriver() {
    }

    /** Loads libcuda and JCuda's natives and calls {@code cuInit(0)}; idempotent, thread-safe. */
    static void init() {
        if (initialized) {
            return;
        }
        synchronized (INIT_LOCK) {
            if (initialized) {
                return;
            }
            if (unavailableReason == null) {
                unavailableReason = tryInit();
                initialized = unavailableReason.isEmpty();
            }
            if (!initialized) {
                throw new CudaUnavailableException(unavailableReason);
            }
        }
    }

    /** Empty on success, else the reason the driver cannot be used. */
    private static String tryInit() {
        try (Arena probe = Arena.ofConfined()) {
            SymbolLookup.libraryLookup("libcuda.so.1", probe);
        } catch (IllegalArgumentException | IllegalCallerException e) {
            return "CUDA driver library libcuda.so.1 not found on the loader path (no NVIDIA driver "
                    + "installed or visible to this process): " + e.getMessage();
        }
        int result;
        try {
            JCudaDriver.setExceptionsEnabled(false);
            result = JCudaDriver.cuInit(0);
        } catch (LinkageError e) {
            return "JCuda's driver natives could not be loaded: " + firstLine(e.getMessage());
        }
        if (result != CUresult.CUDA_SUCCESS) {
            return "cuInit failed: " + CudaException.resultName(result) + " (" + result + ")";
        }
        int[] count = new int[1];
        result = JCudaDriver.cuDeviceGetCount(count);
        if (result != CUresult.CUDA_SUCCESS) {
            return "cuDeviceGetCount failed: " + CudaException.resultName(result);
        }
        if (count[0] == 0) {
            return "the CUDA driver reports zero devices";
        }
        return "";
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "(no message)";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    static void check(int result, String api) {
        check(result, api, null);
    }

    static void check(int result, String api, String detail) {
        if (result != CUresult.CUDA_SUCCESS) {
            throw new CudaException(api, result, detail);
        }
    }

    static int driverVersion() {
        int[] v = new int[1];
        check(JCudaDriver.cuDriverGetVersion(v), "cuDriverGetVersion");
        return v[0];
    }

    static int deviceCount() {
        int[] count = new int[1];
        check(JCudaDriver.cuDeviceGetCount(count), "cuDeviceGetCount");
        return count[0];
    }

    static CUdevice device(int ordinal) {
        CUdevice device = new CUdevice();
        check(JCudaDriver.cuDeviceGet(device, ordinal), "cuDeviceGet", "ordinal " + ordinal);
        return device;
    }

    static String deviceName(CUdevice device) {
        byte[] name = new byte[256];
        check(JCudaDriver.cuDeviceGetName(name, name.length, device), "cuDeviceGetName");
        int len = 0;
        while (len < name.length && name[len] != 0) {
            len++;
        }
        return new String(name, 0, len, StandardCharsets.UTF_8);
    }

    static int deviceAttribute(CUdevice device, int attribute) {
        int[] value = new int[1];
        check(JCudaDriver.cuDeviceGetAttribute(value, attribute, device), "cuDeviceGetAttribute",
                "attribute " + attribute);
        return value[0];
    }

    static long deviceTotalMemory(CUdevice device) {
        long[] bytes = new long[1];
        check(JCudaDriver.cuDeviceTotalMem(bytes, device), "cuDeviceTotalMem");
        return bytes[0];
    }

    static CUcontext primaryContextRetain(CUdevice device) {
        CUcontext context = new CUcontext();
        check(JCudaDriver.cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
        return context;
    }

    static void primaryContextRelease(CUdevice device) {
        check(JCudaDriver.cuDevicePrimaryCtxRelease(device), "cuDevicePrimaryCtxRelease");
    }

    static void setCurrent(CUcontext context) {
        check(JCudaDriver.cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    static void contextSynchronize() {
        check(JCudaDriver.cuCtxSynchronize(), "cuCtxSynchronize");
    }

    /** Free and total device memory of the current context's device, in bytes. */
    static long[] memoryInfo() {
        long[] free = new long[1];
        long[] total = new long[1];
        check(JCudaDriver.cuMemGetInfo(free, total), "cuMemGetInfo");
        return new long[] {free[0], total[0]};
    }

    /** Returns the {@code CUresult} rather than throwing: the allocator maps out-of-memory itself. */
    static int memAlloc(CUdeviceptr pointer, long bytes) {
        return JCudaDriver.cuMemAlloc(pointer, bytes);
    }

    static void memFree(CUdeviceptr pointer) {
        check(JCudaDriver.cuMemFree(pointer), "cuMemFree");
    }

    static void copyHostToDevice(CUdeviceptr dst, Pointer src, long bytes) {
        check(JCudaDriver.cuMemcpyHtoD(dst, src, bytes), "cuMemcpyHtoD", bytes + " bytes");
    }

    static void copyDeviceToHost(Pointer dst, CUdeviceptr src, long bytes) {
        check(JCudaDriver.cuMemcpyDtoH(dst, src, bytes), "cuMemcpyDtoH", bytes + " bytes");
    }

    static void copyHostToDeviceAsync(CUdeviceptr dst, Pointer src, long bytes, CUstream stream) {
        check(JCudaDriver.cuMemcpyHtoDAsync(dst, src, bytes, stream), "cuMemcpyHtoDAsync", bytes + " bytes");
    }

    static void copyDeviceToHostAsync(Pointer dst, CUdeviceptr src, long bytes, CUstream stream) {
        check(JCudaDriver.cuMemcpyDtoHAsync(dst, src, bytes, stream), "cuMemcpyDtoHAsync", bytes + " bytes");
    }

    static void copyDeviceToDeviceAsync(CUdeviceptr dst, CUdeviceptr src, long bytes, CUstream stream) {
        check(JCudaDriver.cuMemcpyDtoDAsync(dst, src, bytes, stream), "cuMemcpyDtoDAsync");
    }

    static void memsetZeroAsync(CUdeviceptr dst, long bytes, CUstream stream) {
        check(JCudaDriver.cuMemsetD8Async(dst, (byte) 0, bytes, stream), "cuMemsetD8Async", bytes + " bytes");
    }

    /** Returns the {@code CUresult}: the pinned-buffer builder maps out-of-memory itself. */
    static int memHostAlloc(Pointer pointer, long bytes, int flags) {
        return JCudaDriver.cuMemHostAlloc(pointer, bytes, flags);
    }

    static void memFreeHost(Pointer pointer) {
        check(JCudaDriver.cuMemFreeHost(pointer), "cuMemFreeHost");
    }

    static CUstream streamCreate(int flags) {
        CUstream stream = new CUstream();
        check(JCudaDriver.cuStreamCreate(stream, flags), "cuStreamCreate");
        return stream;
    }

    static void streamSynchronize(CUstream stream) {
        check(JCudaDriver.cuStreamSynchronize(stream), "cuStreamSynchronize");
    }

    static void streamDestroy(CUstream stream) {
        check(JCudaDriver.cuStreamDestroy(stream), "cuStreamDestroy");
    }

    static CUevent eventCreate(int flags) {
        CUevent event = new CUevent();
        check(JCudaDriver.cuEventCreate(event, flags), "cuEventCreate");
        return event;
    }

    static void eventRecord(CUevent event, CUstream stream) {
        check(JCudaDriver.cuEventRecord(event, stream), "cuEventRecord");
    }

    static void eventSynchronize(CUevent event) {
        check(JCudaDriver.cuEventSynchronize(event), "cuEventSynchronize");
    }

    static float eventElapsedMillis(CUevent start, CUevent end) {
        float[] ms = new float[1];
        check(JCudaDriver.cuEventElapsedTime(ms, start, end), "cuEventElapsedTime");
        return ms[0];
    }

    static void eventDestroy(CUevent event) {
        check(JCudaDriver.cuEventDestroy(event), "cuEventDestroy");
    }

    static CUmodule moduleLoadData(byte[] image) {
        CUmodule module = new CUmodule();
        check(JCudaDriver.cuModuleLoadData(module, image), "cuModuleLoadData", image.length + " bytes of CUBIN");
        return module;
    }

    static void moduleUnload(CUmodule module) {
        check(JCudaDriver.cuModuleUnload(module), "cuModuleUnload");
    }

    static CUfunction moduleFunction(CUmodule module, String name) {
        CUfunction function = new CUfunction();
        check(JCudaDriver.cuModuleGetFunction(function, module, name), "cuModuleGetFunction",
                "kernel '" + name + "'");
        return function;
    }

    static void functionSetAttribute(CUfunction function, int attribute, int value, String name) {
        check(JCudaDriver.cuFuncSetAttribute(function, attribute, value), "cuFuncSetAttribute",
                "kernel '" + name + "', attribute " + attribute + " = " + value);
    }

    static void launchKernel(CUfunction function, LaunchConfig c, CUstream stream, Pointer params, String name) {
        check(JCudaDriver.cuLaunchKernel(function, c.gridX(), c.gridY(), c.gridZ(),
                c.blockX(), c.blockY(), c.blockZ(), c.dynamicSmemBytes(), stream, params, null),
                "cuLaunchKernel", "kernel '" + name + "' with " + c);
    }
}
