package org.e3spark.kernels.gpu;

import java.util.List;
import org.e3spark.kernels.Backend;

/**
 * One GPU as everything above the backends sees it: its architecture and memory, and the factories
 * of its streams, events, buffers (through an allocator that knows what is outstanding) and
 * compiled modules. {@code cuda/} implements it with the CUDA driver and NVRTC, {@code hip/} with the
 * HIP runtime and hiprtc. Every method makes the device current on the calling thread first, so an
 * instance can be used from any thread.
 */
public interface GpuDevice extends AutoCloseable {

    /** {@link Backend#CUDA} or {@link Backend#HIP}. */
    Backend backend();

    int ordinal();

    String name();

    /** The architecture as its compiler names it ({@code sm_90}, {@code gfx90a}). */
    String archName();

    /** What the kernel generators plan for on this device: dialect, arch, warp width, SMs, shared memory. */
    GpuTarget target();

    /** The driver (runtime) version as the backend encodes it (CUDA: 1000 x major + 10 x minor). */
    int runtimeVersion();

    /** The run-time compiler's version, loading it if no bundle has made that unnecessary so far. */
    String compilerVersion();

    int multiprocessorCount();

    int maxSharedMemoryPerBlock();

    /** The most dynamic shared memory a kernel may use after opting in. */
    int maxSharedMemoryPerBlockOptin();

    /** Shared memory one multiprocessor holds (what resident blocks share), bytes. */
    int sharedMemoryPerMultiprocessor();

    long totalMemoryBytes();

    /** Free device memory in bytes, as the driver reports it now. */
    long freeMemoryBytes();

    /** The allocator every buffer of this device goes through unless a caller makes its own. */
    DeviceAllocator allocator();

    /** A fresh, separately tracked allocator (one per test or per task makes every test a leak test). */
    DeviceAllocator newAllocator(String allocatorName);

    /** A stream ordered after the default stream, so synchronous copies see its results. */
    GpuStream createStream();

    /** An event that records timing. */
    GpuEvent createEvent();

    /** Page-locked host memory for asynchronous copies. */
    PinnedHostBuffer allocatePinned(long bytes);

    /**
     * Compiles (or finds in the kernel bundles and cache) {@code source} for this device and loads it.
     * {@code programName} and {@code options} are part of the cache key.
     */
    GpuModule load(String source, String programName, List<String> options);

    /** Waits for all work on this device. */
    void synchronize();

    @Override
    void close();
}
