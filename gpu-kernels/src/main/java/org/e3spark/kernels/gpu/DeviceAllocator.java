package org.e3spark.kernels.gpu;

/**
 * Every device allocation goes through an allocator, which knows what is still outstanding. Closing
 * one with live buffers frees them and throws, so a test that makes its own is a leak test. Out of
 * memory names the request and what this allocator holds; a failed request leaves nothing allocated.
 */
public interface DeviceAllocator extends AutoCloseable {

    DeviceBuffer allocate(long bytes);

    int outstandingBuffers();

    long outstandingBytes();

    long allocationCount();

    String name();

    @Override
    void close();
}
