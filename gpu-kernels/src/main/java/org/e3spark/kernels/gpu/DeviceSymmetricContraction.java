package org.e3spark.kernels.gpu;

import org.e3spark.kernels.SymmetricContraction;

/** MACE's symmetric contraction on a {@link GpuDevice}, with its device-resident API. */
public interface DeviceSymmetricContraction extends SymmetricContraction {

    GpuDevice device();

    /** The generated source of the kernel groups loaded so far. */
    String kernelSource();

    void forward(DeviceBuffer x, DeviceBuffer species, DeviceBuffer w, DeviceBuffer out, int batch, GpuStream on);

    void backward(DeviceBuffer x, DeviceBuffer species, DeviceBuffer w, DeviceBuffer gradOut,
                  DeviceBuffer gx, DeviceBuffer gw, int batch, GpuStream on);

    void doubleBackward(DeviceBuffer x, DeviceBuffer species, DeviceBuffer w, DeviceBuffer gradOut,
                        DeviceBuffer dx, DeviceBuffer dw, DeviceBuffer ggx, DeviceBuffer ggw,
                        DeviceBuffer ggOut, int batch, GpuStream on);

    /** Device scratch one call of {@code batch} rows needs (the weight-gradient partials). */
    long workspaceBytes(int batch);
}
