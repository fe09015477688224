package org.e3spark.kernels.cuda;

import java.util.function.Supplier;

/**
 * What every CUDA instance owns besides its arguments: its loaded kernels, its own allocator
 * (so leaks are reported per instance) and its own stream (so two instances never share scratch
 * and may run concurrently). Built all or nothing; closed stream, then allocator, then kernels.
 */
final class InstanceResources implements AutoCloseable {

    final TensorProductModule kernels;
    final DeviceAllocator allocator;
    final CudaStream stream;

    InstanceResources(CudaDevice device, String allocatorName, Supplier<TensorProductModule> kernels) {
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
            this.kernels.close();
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
                kernels.close();
            }
        }
    }
}
