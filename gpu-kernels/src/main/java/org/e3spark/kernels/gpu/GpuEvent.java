package org.e3spark.kernels.gpu;

/** A marker in a stream, for waiting on part of a stream and for GPU-side timing. */
public interface GpuEvent extends AutoCloseable {

    /** Records this event at the current end of {@code stream}. */
    void record(GpuStream stream);

    /** Blocks until the work before the last {@link #record} has run. */
    void synchronize();

    /** Milliseconds from {@code start} to this event; both must have been recorded and completed. */
    float elapsedMillisSince(GpuEvent start);

    @Override
    void close();
}
