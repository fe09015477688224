package org.e3spark.kernels.cuda;

import org.e3spark.kernels.gpu.GpuStream;

import java.util.concurrent.atomic.AtomicBoolean;
import jcuda.driver.CUstream;

/**
 * Owns one {@code CUstream}. Created blocking (not {@code CU_STREAM_NON_BLOCKING}), so the
 * synchronous copies of {@link DeviceBuffer} are ordered after the work queued here: simpler to
 * reason about, and kernels on two of these streams still overlap each other.
 */
public final class CudaStream implements GpuStream {

    private final CudaDevice device;
    private final CUstream stream;
    private final AtomicBoolean closed = new AtomicBoolean();

    CudaStream(CudaDevice device, CUstream stream) {
        this.device = device;
        this.stream = stream;
    }

    /** Blocks until everything queued on this stream has run. */
    public void synchronize() {
        checkOpen();
        device.makeCurrent();
        CudaDriver.streamSynchronize(stream);
    }

    public CudaDevice device() {
        return device;
    }

    CUstream handle() {
        checkOpen();
        return stream;
    }

    /** Destroys the stream (work already queued still completes); harmless when already closed. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && !device.contextReleased()) {
            device.makeCurrentWhileClosing();
            CudaDriver.streamDestroy(stream);
        }
    }

    /** The CUDA stream behind a seam stream: it must be one of this backend's. */
    static CudaStream of(GpuStream stream) {
        if (stream instanceof CudaStream s) {
            return s;
        }
        throw new IllegalArgumentException("not a CUDA stream: " + stream);
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("CUDA stream is closed");
        }
    }
}
