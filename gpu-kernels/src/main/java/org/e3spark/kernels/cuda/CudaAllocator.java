package org.e3spark.kernels.cuda;

import org.e3spark.kernels.gpu.DeviceAllocator;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUresult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every device allocation goes through an allocator, which knows what is still outstanding. A test
 * makes a fresh one ({@link CudaDevice#newAllocator}) and closes it at the end: closing with live
 * buffers frees them and throws, so every test is a leak test (the habit Arrow's allocators teach).
 *
 * <p>Out of memory is a {@link DeviceOutOfMemoryException} naming the request and what this
 * allocator holds; the failed request leaves nothing allocated.
 */
public final class CudaAllocator implements DeviceAllocator {

    private static final Logger LOG = LoggerFactory.getLogger(CudaAllocator.class);

    private final CudaDevice device;
    private final String name;
    private final Set<CudaBuffer> live = ConcurrentHashMap.newKeySet();
    private final AtomicLong outstandingBytes = new AtomicLong();
    private final AtomicLong allocationCount = new AtomicLong();
    private volatile boolean closed;

    CudaAllocator(CudaDevice device, String name) {
        this.device = device;
        this.name = name;
    }

    /** Allocates {@code bytes} (at least 1) of uninitialized device memory, owned by the returned buffer. */
    public CudaBuffer allocate(long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("allocation size must be >= 1 byte: " + bytes);
        }
        if (closed) {
            throw new IllegalStateException("allocator '" + name + "' is closed");
        }
        device.makeCurrent();
        CUdeviceptr pointer = new CUdeviceptr();
        int result = CudaDriver.memAlloc(pointer, bytes);
        if (result == CUresult.CUDA_ERROR_OUT_OF_MEMORY) {
            throw new DeviceOutOfMemoryException(name, bytes, outstandingBytes.get());
        }
        CudaDriver.check(result, "cuMemAlloc", bytes + " bytes for allocator '" + name + "'");
        CudaBuffer buffer;
        try {
            buffer = new CudaBuffer(this, device, pointer, bytes);
            live.add(buffer);
        } catch (RuntimeException | Error e) {
            try {
                CudaDriver.memFree(pointer);
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        outstandingBytes.addAndGet(bytes);
        allocationCount.incrementAndGet();
        return buffer;
    }

    /** Called once by {@link CudaBuffer#close()}. */
    void free(CudaBuffer buffer, CUdeviceptr pointer) {
        if (!live.remove(buffer)) {
            return;
        }
        outstandingBytes.addAndGet(-buffer.byteSize());
        if (device.contextReleased()) {
            return; // the primary context is gone and took its memory with it
        }
        device.makeCurrentWhileClosing();
        CudaDriver.memFree(pointer);
    }

    /** Buffers allocated here and not yet closed. */
    public int outstandingBuffers() {
        return live.size();
    }

    /** Bytes held by buffers allocated here and not yet closed. */
    public long outstandingBytes() {
        return outstandingBytes.get();
    }

    /** How many allocations succeeded over this allocator's life. */
    public long allocationCount() {
        return allocationCount.get();
    }

    public String name() {
        return name;
    }

    /** Frees every outstanding buffer, logging each as a leak; returns how many there were. */
    int releaseAll() {
        List<CudaBuffer> leaked = new ArrayList<>(live);
        for (CudaBuffer buffer : leaked) {
            LOG.warn("allocator '{}': freeing leaked device buffer of {} bytes", name, buffer.byteSize());
            buffer.close();
        }
        return leaked.size();
    }

    /**
     * Closes the allocator. Outstanding buffers are freed (they become unusable) and an
     * {@link IllegalStateException} reports them: a leak fails loudly, but leaks no device memory.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        long bytes = outstandingBytes.get();
        int leaked = releaseAll();
        if (leaked > 0) {
            throw new IllegalStateException("allocator '" + name + "' closed with " + leaked
                    + " outstanding buffer(s), " + bytes + " bytes (freed now)");
        }
    }

    @Override
    public String toString() {
        return "CudaAllocator[" + name + ", " + live.size() + " buffers, " + outstandingBytes.get() + " bytes]";
    }
}
