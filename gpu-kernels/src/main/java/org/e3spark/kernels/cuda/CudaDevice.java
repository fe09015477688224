package org.e3spark.kernels.cuda;

import java.util.List;
import org.e3spark.kernels.Backend;
import org.e3spark.kernels.gpu.GpuDevice;
import org.e3spark.kernels.gpu.GpuModule;
import org.e3spark.kernels.gpu.GpuTarget;

import java.util.concurrent.atomic.AtomicBoolean;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One GPU, opened through its primary context (shared with any other CUDA user in the process,
 * unlike a created context). Owns one retain of that context, released by {@link #close()}.
 *
 * <p>Every public method here and in the resources made from it (buffers, streams, events,
 * modules) makes this context current on the calling thread first, so an instance can be used
 * from any thread — Spark task threads come and go.
 */
public final class CudaDevice implements GpuDevice {

    private static final Logger LOG = LoggerFactory.getLogger(CudaDevice.class);

    private final int ordinal;
    private final CUdevice device;
    private final CUcontext context;
    private final String name;
    private final GpuArch arch;
    private final int multiprocessorCount;
    private final int maxSharedMemoryPerBlock;
    private final int maxSharedMemoryPerBlockOptin;
    private final int sharedMemoryPerMultiprocessor;
    private final long totalMemoryBytes;
    private final CudaAllocator allocator;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean contextReleased;

    private CudaDevice(int ordinal, CUdevice device, CUcontext context) {
        this.ordinal = ordinal;
        this.device = device;
        this.context = context;
        CudaDriver.setCurrent(context);
        this.name = CudaDriver.deviceName(device);
        this.arch = new GpuArch(
                CudaDriver.deviceAttribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR),
                CudaDriver.deviceAttribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR));
        this.multiprocessorCount =
                CudaDriver.deviceAttribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        this.maxSharedMemoryPerBlock =
                CudaDriver.deviceAttribute(device, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK);
        this.maxSharedMemoryPerBlockOptin = CudaDriver.deviceAttribute(device,
                CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
        this.sharedMemoryPerMultiprocessor = CudaDriver.deviceAttribute(device,
                CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_MULTIPROCESSOR);
        this.totalMemoryBytes = CudaDriver.deviceTotalMemory(device);
        this.allocator = new CudaAllocator(this, "device" + ordinal);
    }

    /** Number of CUDA devices; throws {@link CudaUnavailableException} when there is no usable driver. */
    public static int count() {
        CudaDriver.init();
        return CudaDriver.deviceCount();
    }

    /** The driver version as CUDA encodes it (1000 × major + 10 × minor, e.g. 13000). */
    public static int driverVersion() {
        CudaDriver.init();
        return CudaDriver.driverVersion();
    }

    /**
     * Opens device {@code ordinal}: retains its primary context and reads its properties. If reading
     * the properties fails the retain is released again, so a failed open holds nothing.
     */
    public static CudaDevice open(int ordinal) {
        CudaDriver.init();
        int count = CudaDriver.deviceCount();
        if (ordinal < 0 || ordinal >= count) {
            throw new IllegalArgumentException("device ordinal " + ordinal + " out of range; "
                    + count + " device(s) present");
        }
        CUdevice device = CudaDriver.device(ordinal);
        CUcontext context = CudaDriver.primaryContextRetain(device);
        try {
            CudaDevice opened = new CudaDevice(ordinal, device, context);
            LOG.debug("opened {}", opened);
            return opened;
        } catch (RuntimeException e) {
            try {
                CudaDriver.primaryContextRelease(device);
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Makes this device's primary context current on the calling thread. */
    public void makeCurrent() {
        checkOpen();
        CudaDriver.setCurrent(context);
    }

    /** The allocator every buffer of this device goes through unless a caller makes its own. */
    public CudaAllocator allocator() {
        checkOpen();
        return allocator;
    }

    /** A fresh, separately tracked allocator (one per test or per task makes every test a leak test). */
    public CudaAllocator newAllocator(String allocatorName) {
        checkOpen();
        return new CudaAllocator(this, allocatorName);
    }

    /** A stream ordered after the legacy default stream, so synchronous copies see its results. */
    public CudaStream createStream() {
        makeCurrent();
        return new CudaStream(this, CudaDriver.streamCreate(0));
    }

    /** An event that records timing. */
    public CudaEvent createEvent() {
        makeCurrent();
        return new CudaEvent(this, CudaDriver.eventCreate(0));
    }

    /** Loads a CUBIN image (from NVRTC or the kernel cache) into this device's context. */
    public CudaModule loadModule(byte[] cubin) {
        if (cubin == null || cubin.length == 0) {
            throw new IllegalArgumentException("empty CUBIN image");
        }
        makeCurrent();
        return new CudaModule(this, CudaDriver.moduleLoadData(cubin));
    }

    /** Page-locked host memory for asynchronous copies. */
    public CudaPinnedBuffer allocatePinned(long bytes) {
        makeCurrent();
        return CudaPinnedBuffer.allocate(this, bytes);
    }

    /** Waits for all work on this device's context. */
    public void synchronize() {
        makeCurrent();
        CudaDriver.contextSynchronize();
    }

    /** Free device memory in bytes, as the driver reports it now. */
    public long freeMemoryBytes() {
        makeCurrent();
        return CudaDriver.memoryInfo()[0];
    }

    @Override
    public Backend backend() {
        return Backend.CUDA;
    }

    @Override
    public int runtimeVersion() {
        return driverVersion();
    }

    @Override
    public String compilerVersion() {
        return String.valueOf(CudaRuntime.compiler().nvrtc().version());
    }

    @Override
    public String archName() {
        return arch.smName();
    }

    @Override
    public GpuTarget target() {
        return TensorProductModule.targetOf(this);
    }

    /** Through the process-wide caching compiler: kernel bundles, then the kernel cache, then NVRTC. */
    @Override
    public GpuModule load(String source, String programName, List<String> options) {
        return CudaRuntime.compiler().load(this, source, programName, options);
    }

    public int ordinal() {
        return ordinal;
    }

    public String name() {
        return name;
    }

    public GpuArch arch() {
        return arch;
    }

    public int multiprocessorCount() {
        return multiprocessorCount;
    }

    public int maxSharedMemoryPerBlock() {
        return maxSharedMemoryPerBlock;
    }

    /** The most dynamic shared memory a kernel may use after opting in with the function attribute. */
    public int maxSharedMemoryPerBlockOptin() {
        return maxSharedMemoryPerBlockOptin;
    }

    /** Shared memory one multiprocessor holds (what resident blocks share), bytes. */
    public int sharedMemoryPerMultiprocessor() {
        return sharedMemoryPerMultiprocessor;
    }

    public long totalMemoryBytes() {
        return totalMemoryBytes;
    }

    boolean isClosed() {
        return closed.get();
    }

    boolean contextReleased() {
        return contextReleased;
    }

    /** For freeing resources during or after {@link #close()}, while the context is still retained. */
    void makeCurrentWhileClosing() {
        CudaDriver.setCurrent(context);
    }

    void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("CUDA device " + ordinal + " is closed");
        }
    }

    /**
     * Frees whatever the default allocator still holds (logging it as a leak) and releases the
     * primary-context retain. Closing twice is harmless.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            CudaDriver.setCurrent(context);
            allocator.releaseAll();
        } finally {
            contextReleased = true;
            CudaDriver.primaryContextRelease(device);
        }
    }

    @Override
    public String toString() {
        return "CudaDevice[" + ordinal + " " + name + ", " + arch.smName() + ", " + multiprocessorCount
                + " SMs, smem/block " + maxSharedMemoryPerBlock + " (opt-in " + maxSharedMemoryPerBlockOptin
                + "), " + totalMemoryBytes + " bytes]";
    }
}
