package org.e3spark.kernels.gpu;

import java.lang.foreign.MemorySegment;

/**
 * One device allocation of {@link #byteSize()} bytes, obtained from a {@link DeviceAllocator}.
 * Closing frees it (twice is harmless); any other use after close throws
 * {@link IllegalStateException}. Synchronous copies from and to Java arrays and memory segments;
 * asynchronous ones on a stream from and to native segments only (keep them alive until the stream
 * has been synchronized: {@link PinnedHostBuffer}). A copy of fewer bytes than the buffer touches
 * its first bytes only.
 */
public interface DeviceBuffer extends AutoCloseable {

    /** The device this buffer lives on. */
    GpuDevice device();

    long byteSize();

    boolean isClosed();

    void copyFrom(double[] src);

    void copyFrom(float[] src);

    void copyFrom(int[] src);

    void copyTo(double[] dst);

    void copyTo(float[] dst);

    void copyTo(int[] dst);

    void copyFrom(MemorySegment src);

    void copyTo(MemorySegment dst);

    /** Queues a copy of all of the native segment {@code src} on {@code stream}; keep src alive until it ran. */
    void copyFromAsync(MemorySegment src, GpuStream stream);

    /** Queues a copy into all of the native segment {@code dst} on {@code stream}; read it after syncing. */
    void copyToAsync(MemorySegment dst, GpuStream stream);

    /** Queues a device-to-device copy of all of {@code src} (which must fit) into this buffer on {@code stream}. */
    void copyFromAsync(DeviceBuffer src, GpuStream stream);

    /** Queues zeroing of the whole buffer on {@code stream}. */
    void memsetZeroAsync(GpuStream stream);

    /** Frees the device memory; harmless when already closed. */
    @Override
    void close();
}
