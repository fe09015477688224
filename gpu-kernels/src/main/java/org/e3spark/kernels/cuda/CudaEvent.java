package org.e3spark.kernels.cuda;

import org.e3spark.kernels.gpu.GpuEvent;
import org.e3spark.kernels.gpu.GpuStream;

import java.util.concurrent.atomic.AtomicBoolean;
import jcuda.driver.CUevent;

/**
 * Owns one {@code CUevent}: a marker in a stream, for waiting on part of a stream and for GPU-side
 * timing ({@link #elapsedMillisSince}), which excludes launch overhead that host clocks include.
 */
public final class CudaEvent implements GpuEvent {

    private final CudaDevice device;
    private final CUevent event;
    private final AtomicBoolean closed = new AtomicBoolean();

    CudaEvent(CudaDevice device, CUevent event) {
        this.device = device;
        this.event = event;
    }

    /** Records this event at the current end of {@code stream}. */
    public void record(GpuStream stream) {
        checkOpen();
        device.makeCurrent();
        CudaDriver.eventRecord(event, CudaStream.of(stream).handle());
    }

    /** Blocks until the work before the last {@link #record} has run. */
    public void synchronize() {
        checkOpen();
        device.makeCurrent();
        CudaDriver.eventSynchronize(event);
    }

    /** Milliseconds from {@code start} to this event; both must have been recorded and completed. */
    public float elapsedMillisSince(GpuEvent since) {
        if (!(since instanceof CudaEvent start)) {
            throw new IllegalArgumentException("not a CUDA event: " + since);
        }
        checkOpen();
        start.checkOpen();
        device.makeCurrent();
        return CudaDriver.eventElapsedMillis(start.event, event);
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && !device.contextReleased()) {
            device.makeCurrentWhileClosing();
            CudaDriver.eventDestroy(event);
        }
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("CUDA event is closed");
        }
    }
}
