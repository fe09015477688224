package org.e3spark.model.internal.gpu;

import java.util.LinkedHashMap;
import java.util.Map;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.gpu.GpuStream;
import org.e3spark.kernels.gpu.DeviceAllocator;
import org.e3spark.kernels.gpu.DeviceBuffer;
import org.e3spark.kernels.gpu.DeviceBufferPool;

/**
 * Named device buffers that grow to the largest batch seen and are then reused, so a stream of
 * batches allocates only while sizes still rise. A buffer is replaced only after the stream that
 * uses it is idle (a kernel still queued may read the old one). Closing frees them all.
 */
final class Workspace implements DeviceBufferPool, AutoCloseable {

    /** Growth headroom: a slightly larger next batch reuses the buffer. */
    private static final double HEADROOM = 1.25;

    private final DeviceAllocator allocator;
    private final GpuStream stream;
    private final Map<String, DeviceBuffer> buffers = new LinkedHashMap<>();

    Workspace(DeviceAllocator allocator, GpuStream stream) {
        this.allocator = allocator;
        this.stream = stream;
    }

    DeviceBuffer reals(String name, long count, DType dtype) {
        return bytes(name, count * dtype.bytes());
    }

    DeviceBuffer ints(String name, long count) {
        return bytes(name, count * Integer.BYTES);
    }

    @Override
    public DeviceBuffer buffer(String role, long bytes) {
        return bytes(role, bytes);
    }

    private DeviceBuffer bytes(String name, long bytes) {
        long need = Math.max(bytes, 256);
        DeviceBuffer b = buffers.get(name);
        if (b != null && b.byteSize() >= need) {
            return b;
        }
        if (b != null) {
            stream.synchronize();
            buffers.remove(name);
            b.close();
        }
        DeviceBuffer fresh = allocator.allocate((long) Math.ceil(need * HEADROOM));
        buffers.put(name, fresh);
        return fresh;
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (DeviceBuffer b : buffers.values()) {
            try {
                b.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        buffers.clear();
        if (first != null) {
            throw first;
        }
    }
}
