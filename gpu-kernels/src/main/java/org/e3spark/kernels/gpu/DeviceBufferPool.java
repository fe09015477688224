package org.e3spark.kernels.gpu;

/**
 * Device buffers that outlive one batch: asked for by role and minimum size, owned and eventually
 * freed by the pool, never by the borrower. Per-batch structures (a {@link DeviceConvGraph}) taken
 * from a pool cost no {@code cuMemAlloc}/{@code cuMemFree} once the pool has grown to the largest
 * batch, which matters because freeing device memory waits for the whole device.
 */
public interface DeviceBufferPool {

    /**
     * A buffer of at least {@code bytes} for {@code role}; the same role may return the same buffer on
     * the next call, so a borrower must be done with it (its work ordered before later work) first.
     */
    DeviceBuffer buffer(String role, long bytes);
}
