package org.e3spark.kernels.cuda;

import jcuda.driver.CUresult;

/**
 * {@code cuMemAlloc} ran out of device memory. Says how much was asked for and how much this
 * allocator already holds, so a caller can shrink its batch rather than guess; nothing was
 * allocated (the failed request leaves no buffer behind).
 */
public final class DeviceOutOfMemoryException extends CudaException {

    private final long requestedBytes;
    private final long outstandingBytes;

    public DeviceOutOfMemoryException(String allocator, long requestedBytes, long outstandingBytes) {
        super("cuMemAlloc", CUresult.CUDA_ERROR_OUT_OF_MEMORY,
                "allocator '" + allocator + "' requested " + requestedBytes + " bytes while holding "
                        + outstandingBytes + " bytes outstanding");
        this.requestedBytes = requestedBytes;
        this.outstandingBytes = outstandingBytes;
    }

    public long requestedBytes() {
        return requestedBytes;
    }

    public long outstandingBytes() {
        return outstandingBytes;
    }
}
