package org.e3spark.kernels.cuda;

import org.e3spark.kernels.gpu.PinnedHostBuffer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;
import jcuda.Pointer;

/**
 * Page-locked host memory from {@code cuMemHostAlloc} (portable to every context), for truly
 * asynchronous copies and faster staging. Optional: pageable memory works, only slower.
 *
 * <p>{@link #segment()} is bound to an arena this buffer owns, so the segment becomes inaccessible
 * the moment the buffer is closed rather than pointing at freed memory. Close after the streams
 * that use it have been synchronized.
 */
public final class CudaPinnedBuffer implements PinnedHostBuffer {

    private final CudaDevice device;
    private final Pointer pointer;
    private final Arena arena;
    private final MemorySegment segment;
    private final AtomicBoolean closed = new AtomicBoolean();

    private CudaPinnedBuffer(CudaDevice device, Pointer pointer, Arena arena, MemorySegment segment) {
        this.device = device;
        this.pointer = pointer;
        this.arena = arena;
        this.segment = segment;
    }

    /** Needs a current context; {@link CudaDevice#allocatePinned} provides one. */
    static CudaPinnedBuffer allocate(CudaDevice device, long bytes) {
        if (bytes < 1) {
            throw new IllegalArgumentException("pinned allocation size must be >= 1 byte: " + bytes);
        }
        Pointer pointer = new Pointer();
        CudaDriver.check(CudaDriver.memHostAlloc(pointer, bytes, CudaDriver.MEMHOSTALLOC_PORTABLE),
                "cuMemHostAlloc", bytes + " bytes");
        Arena arena = null;
        try {
            long address = MemorySegment.ofBuffer(pointer.getByteBuffer(0, 1)).address();
            arena = Arena.ofShared();
            MemorySegment segment = MemorySegment.ofAddress(address).reinterpret(bytes, arena, null);
            return new CudaPinnedBuffer(device, pointer, arena, segment);
        } catch (RuntimeException | Error e) {
            if (arena != null) {
                arena.close();
            }
            try {
                CudaDriver.memFreeHost(pointer);
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The pinned memory; inaccessible after {@link #close()}. */
    public MemorySegment segment() {
        if (closed.get()) {
            throw new IllegalStateException("pinned host buffer is closed");
        }
        return segment;
    }

    public long byteSize() {
        return segment.byteSize();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                arena.close();
            } finally {
                if (!device.contextReleased()) {
                    device.makeCurrentWhileClosing();
                    CudaDriver.memFreeHost(pointer);
                }
            }
        }
    }
}
