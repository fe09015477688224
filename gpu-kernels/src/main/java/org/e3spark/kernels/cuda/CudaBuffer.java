package org.e3spark.kernels.cuda;

import org.e3spark.kernels.gpu.PinnedHostBuffer;
import org.e3spark.kernels.gpu.DeviceAllocator;
import org.e3spark.kernels.gpu.DeviceBuffer;
import org.e3spark.kernels.gpu.GpuStream;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.AtomicBoolean;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * Owns one {@code cuMemAlloc} of {@link #byteSize()} bytes, obtained from a {@link DeviceAllocator}.
 * Closing frees it (twice is harmless); any other use after close throws
 * {@link IllegalStateException}. Not safe for a close racing other use of the same buffer.
 *
 * <p>Copies: synchronous ones from and to Java arrays and memory segments (heap segments are staged
 * through native memory, because the driver reads only native memory), and asynchronous ones on a
 * stream from and to native segments only — the segment must stay alive until the stream has been
 * synchronized, which is why {@link PinnedHostBuffer} exists. A copy of fewer bytes than the buffer
 * touches its first bytes only. Synchronous copies are ordered after work already queued on
 * {@link CudaStream}s (they are blocking streams).
 */
public final class CudaBuffer implements DeviceBuffer {

    /** Largest piece handed to the driver at once: a {@code ByteBuffer} is int-indexed. */
    private static final long CHUNK = 1L << 30;

    private final CudaAllocator allocator;
    private final CudaDevice device;
    private final CUdeviceptr pointer;
    private final long byteSize;
    private final AtomicBoolean closed = new AtomicBoolean();

    CudaBuffer(CudaAllocator allocator, CudaDevice device, CUdeviceptr pointer, long byteSize) {
        this.allocator = allocator;
        this.device = device;
        this.pointer = pointer;
        this.byteSize = byteSize;
    }

    public long byteSize() {
        return byteSize;
    }

    public boolean isClosed() {
        return closed.get();
    }

    /** The device pointer, for kernel arguments. */
    CUdeviceptr pointer() {
        checkOpen();
        return pointer;
    }

    @Override
    public CudaDevice device() {
        return device;
    }

    public void copyFrom(double[] src) {
        copyIn(Pointer.to(src), (long) src.length * Double.BYTES);
    }

    public void copyFrom(float[] src) {
        copyIn(Pointer.to(src), (long) src.length * Float.BYTES);
    }

    public void copyFrom(int[] src) {
        copyIn(Pointer.to(src), (long) src.length * Integer.BYTES);
    }

    public void copyTo(double[] dst) {
        copyOut(Pointer.to(dst), (long) dst.length * Double.BYTES);
    }

    public void copyTo(float[] dst) {
        copyOut(Pointer.to(dst), (long) dst.length * Float.BYTES);
    }

    public void copyTo(int[] dst) {
        copyOut(Pointer.to(dst), (long) dst.length * Integer.BYTES);
    }

    /** Copies all of {@code src} to the start of this buffer; heap segments are staged natively. */
    public void copyFrom(MemorySegment src) {
        checkFits(src.byteSize());
        if (src.isNative()) {
            enter();
            copySegmentIn(src);
            return;
        }
        try (Arena staging = Arena.ofConfined()) {
            MemorySegment tmp = staging.allocate(Math.max(1, src.byteSize()), 16);
            MemorySegment.copy(src, 0, tmp, 0, src.byteSize());
            enter();
            copySegmentIn(tmp.asSlice(0, src.byteSize()));
        }
    }

    /** Fills all of {@code dst} from the start of this buffer; heap segments are staged natively. */
    public void copyTo(MemorySegment dst) {
        checkFits(dst.byteSize());
        checkWritable(dst);
        if (dst.isNative()) {
            enter();
            copySegmentOut(dst);
            return;
        }
        try (Arena staging = Arena.ofConfined()) {
            MemorySegment tmp = staging.allocate(Math.max(1, dst.byteSize()), 16).asSlice(0, dst.byteSize());
            enter();
            copySegmentOut(tmp);
            MemorySegment.copy(tmp, 0, dst, 0, dst.byteSize());
        }
    }

    /** Queues a copy of all of the native segment {@code src} on {@code stream}; keep src alive until it ran. */
    public void copyFromAsync(MemorySegment src, GpuStream on) {
        CudaStream stream = CudaStream.of(on);
        checkFits(src.byteSize());
        requireNative(src);
        enter();
        for (long off = 0; off < src.byteSize(); off += CHUNK) {
            long len = Math.min(CHUNK, src.byteSize() - off);
            CudaDriver.copyHostToDeviceAsync(pointer.withByteOffset(off),
                    Pointer.to(src.asSlice(off, len).asByteBuffer()), len, stream.handle());
        }
    }

    /** Queues a copy into all of the native segment {@code dst} on {@code stream}; read it after syncing. */
    public void copyToAsync(MemorySegment dst, GpuStream on) {
        CudaStream stream = CudaStream.of(on);
        checkFits(dst.byteSize());
        requireNative(dst);
        checkWritable(dst);
        enter();
        for (long off = 0; off < dst.byteSize(); off += CHUNK) {
            long len = Math.min(CHUNK, dst.byteSize() - off);
            CudaDriver.copyDeviceToHostAsync(Pointer.to(dst.asSlice(off, len).asByteBuffer()),
                    pointer.withByteOffset(off), len, stream.handle());
        }
    }

    /** Queues a device-to-device copy of all of {@code src} (which must fit) into this buffer on {@code stream}. */
    public void copyFromAsync(DeviceBuffer from, GpuStream on) {
        if (!(from instanceof CudaBuffer src)) {
            throw new IllegalArgumentException("not a CUDA buffer: " + from);
        }
        CudaStream stream = CudaStream.of(on);
        enter();
        src.enter();
        if (src.byteSize > byteSize) {
            throw new IllegalArgumentException("source buffer of " + src.byteSize + " bytes does not fit in "
                    + byteSize + " bytes");
        }
        if (src.device() != device() || stream.device() != device()) {
            throw new IllegalArgumentException("device-to-device copies stay on one device");
        }
        CudaDriver.copyDeviceToDeviceAsync(pointer, src.pointer, src.byteSize, stream.handle());
    }

    /** Queues zeroing of the whole buffer on {@code stream}. */
    public void memsetZeroAsync(GpuStream on) {
        CudaStream stream = CudaStream.of(on);
        enter();
        CudaDriver.memsetZeroAsync(pointer, byteSize, stream.handle());
    }

    /** Frees the device memory; harmless when already closed. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            allocator.free(this, pointer);
        }
    }

    private void copyIn(Pointer host, long bytes) {
        checkFits(bytes);
        enter();
        if (bytes > 0) {
            CudaDriver.copyHostToDevice(pointer, host, bytes);
        }
    }

    private void copyOut(Pointer host, long bytes) {
        checkFits(bytes);
        enter();
        if (bytes > 0) {
            CudaDriver.copyDeviceToHost(host, pointer, bytes);
        }
    }

    private void copySegmentIn(MemorySegment src) {
        for (long off = 0; off < src.byteSize(); off += CHUNK) {
            long len = Math.min(CHUNK, src.byteSize() - off);
            CudaDriver.copyHostToDevice(pointer.withByteOffset(off), Pointer.to(src.asSlice(off, len).asByteBuffer()), len);
        }
    }

    private void copySegmentOut(MemorySegment dst) {
        for (long off = 0; off < dst.byteSize(); off += CHUNK) {
            long len = Math.min(CHUNK, dst.byteSize() - off);
            CudaDriver.copyDeviceToHost(Pointer.to(dst.asSlice(off, len).asByteBuffer()), pointer.withByteOffset(off), len);
        }
    }

    private void enter() {
        checkOpen();
        device.makeCurrent();
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("device buffer of " + byteSize + " bytes is closed");
        }
    }

    private void checkFits(long bytes) {
        checkOpen();
        if (bytes > byteSize) {
            throw new IllegalArgumentException("host side has " + bytes + " bytes, device buffer only " + byteSize);
        }
    }

    private static void requireNative(MemorySegment segment) {
        if (!segment.isNative()) {
            throw new IllegalArgumentException("asynchronous copies need native host memory (a heap segment "
                    + "could move or die before the stream runs); use a PinnedHostBuffer or copy synchronously");
        }
    }

    private static void checkWritable(MemorySegment segment) {
        if (segment.isReadOnly()) {
            throw new IllegalArgumentException("destination segment is read-only");
        }
    }

    @Override
    public String toString() {
        return "CudaBuffer[" + byteSize + " bytes" + (closed.get() ? ", closed" : "") + "]";
    }
}
