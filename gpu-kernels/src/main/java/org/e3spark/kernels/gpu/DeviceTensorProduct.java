package org.e3spark.kernels.gpu;

import org.e3spark.kernels.TensorProduct;

/** A tensor product on a {@link GpuDevice}, with its device-resident API (buffers in, work on a stream). */
public interface DeviceTensorProduct extends TensorProduct {

    GpuDevice device();

    /** The generated source of the kernel groups loaded so far. */
    String kernelSource();

    /** out = TP(x, y, w), every element of out written; asynchronous on {@code on}. */
    void forward(DeviceBuffer x, DeviceBuffer y, DeviceBuffer w, DeviceBuffer out, int batch, GpuStream on);

    /** (gx, gy, gw) = gradients of sum(out * gout); any of gx, gy, gw may be null when not wanted. */
    void backward(DeviceBuffer x, DeviceBuffer y, DeviceBuffer w, DeviceBuffer gout,
                  DeviceBuffer gx, DeviceBuffer gy, DeviceBuffer gw, int batch, GpuStream on);

    /** Double backward (SPEC §5) with seeds (dx, dy, dw). */
    void doubleBackward(DeviceBuffer x, DeviceBuffer y, DeviceBuffer w, DeviceBuffer gout,
                        DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer dw,
                        DeviceBuffer ddx, DeviceBuffer ddy, DeviceBuffer ddw, DeviceBuffer ddgout,
                        int batch, GpuStream on);
}
