package org.e3spark.kernels.gpu;

/** An ordered queue of work on one {@link GpuDevice}; kernels on two streams may overlap. */
public interface GpuStream extends AutoCloseable {

    /** Blocks until everything queued on this stream has run. */
    void synchronize();

    GpuDevice device();

    /** Destroys the stream (work already queued still completes); harmless when already closed. */
    @Override
    void close();
}
