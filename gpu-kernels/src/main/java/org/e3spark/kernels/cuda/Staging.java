package org.e3spark.kernels.cuda;

import org.e3spark.kernels.gpu.GpuStream;

import org.e3spark.kernels.gpu.DeviceAllocator;
import org.e3spark.kernels.gpu.DeviceBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Device copies of one host-API call's operands, all freed when the call ends (on every path).
 * Empty operands get no buffer (a null pointer is passed), since a zero-byte allocation is an
 * error in CUDA. Downloads wait for the stream first.
 */
final class Staging implements AutoCloseable {

    private final DeviceAllocator allocator;
    private final GpuStream stream;
    private final List<DeviceBuffer> buffers = new ArrayList<>();

    Staging(DeviceAllocator allocator, GpuStream stream) {
        this.allocator = allocator;
        this.stream = stream;
    }

    private DeviceBuffer allocate(long bytes) {
        if (bytes == 0) {
            return null;
        }
        DeviceBuffer b = allocator.allocate(bytes);
        buffers.add(b);
        return b;
    }

    DeviceBuffer upload(double[] host) {
        DeviceBuffer b = allocate(host.length * 8L);
        if (b != null) {
            b.copyFrom(host);
        }
        return b;
    }

    DeviceBuffer upload(float[] host) {
        DeviceBuffer b = allocate(host.length * 4L);
        if (b != null) {
            b.copyFrom(host);
        }
        return b;
    }

    DeviceBuffer upload(int[] host) {
        DeviceBuffer b = allocate(host.length * 4L);
        if (b != null) {
            b.copyFrom(host);
        }
        return b;
    }

    DeviceBuffer output(long bytes) {
        return allocate(bytes);
    }

    double[] downloadDoubles(DeviceBuffer b) {
        stream.synchronize();
        if (b == null) {
            return new double[0];
        }
        double[] host = new double[Math.toIntExact(b.byteSize() / 8)];
        b.copyTo(host);
        return host;
    }

    float[] downloadFloats(DeviceBuffer b) {
        stream.synchronize();
        if (b == null) {
            return new float[0];
        }
        float[] host = new float[Math.toIntExact(b.byteSize() / 4)];
        b.copyTo(host);
        return host;
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (DeviceBuffer b : buffers) {
            try {
                b.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
