package org.e3spark.kernels.cuda;

import org.e3spark.kernels.gpu.GpuStream;

import org.e3spark.kernels.gpu.DeviceAllocator;
import java.util.function.Supplier;

/**
 * What every CUDA instance owns besides its arguments: its loaded kernels, its own allocator
 * (so leaks are reported per instance) and its own stream (so two instances never share scratch
 * and may run concurrently). Built all or nothing; closed stream, then allocator, then kernels.
 */
final class InstanceResources<K extends AutoCloseable> implements AutoCloseable {

    final K kernels;
    final DeviceAllocator allocator;
    final GpuStream stream;

    InstanceResources(CudaDevice device, String allocatorName, Supplier<K> kernels) {
        this.kernels = kernels.get();
        DeviceAllocator a = null;
        try {
            a = device.newAllocator(allocatorName);
            this.allocator = a;
            this.stream = device.createStream();
        } catch (RuntimeException e) {
            if (a != null) {
                a.close();
            }
            closeQuietly(this.kernels, e);
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            stream.close();
        } finally {
            try {
                allocator.close();
            } finally {
                closeKernels();
            }
        }
    }

    private void closeKernels() {
        try {
            kernels.close();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("closing kernels failed", e);
        }
    }

    private static void closeQuietly(AutoCloseable k, RuntimeException cause) {
        try {
            k.close();
        } catch (Exception e) {
            cause.addSuppressed(e);
        }
    }
}
