package org.e3spark.kernels.gpu;

import java.lang.foreign.MemorySegment;

/** Page-locked host memory for asynchronous copies, from {@link GpuDevice#allocatePinned}. */
public interface PinnedHostBuffer extends AutoCloseable {

    /** The pinned memory; inaccessible after {@link #close()}. */
    MemorySegment segment();

    long byteSize();

    @Override
    void close();
}
