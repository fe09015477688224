package org.e3spark.kernels.gpu;

import org.e3spark.kernels.ConvGraph;
import org.e3spark.kernels.TensorProductConv;

/**
 * A fused convolution on a {@link GpuDevice}, with its device-resident API: operands are device
 * buffers, work is queued on a stream, nothing is copied to the host. What the featurizer's device
 * pipeline and the benches use, whichever backend implements it.
 */
public interface DeviceTensorProductConv extends TensorProductConv {

    GpuDevice device();

    /** The generated source of the kernel groups loaded so far. */
    String kernelSource();

    /** Uploads a graph for the device-resident API; the caller owns (and closes) the result. */
    DeviceConvGraph prepare(ConvGraph graph);

    /** out[i] = sum over edges e into i of TP(x[sender e], y[e], w[e]); every row of out written. */
    void forward(DeviceBuffer x, DeviceBuffer y, DeviceBuffer w, DeviceBuffer out, DeviceConvGraph graph, GpuStream on);

    /**
     * (gx, gy, gw) = gradients of sum(out * gout): gx per node (gathered to senders), gy and per-edge
     * gw per edge, shared gw summed. Any of gx, gy, gw may be null when not wanted.
     */
    void backward(DeviceBuffer x, DeviceBuffer y, DeviceBuffer w, DeviceBuffer gout, DeviceBuffer gx,
                  DeviceBuffer gy, DeviceBuffer gw, DeviceConvGraph graph, GpuStream on);

    /** Double backward (SPEC §5) with seeds (dx per node, dy and dw per edge). */
    void doubleBackward(DeviceBuffer x, DeviceBuffer y, DeviceBuffer w, DeviceBuffer gout,
                        DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer dw, DeviceBuffer ddx, DeviceBuffer ddy,
                        DeviceBuffer ddw, DeviceBuffer ddgout, DeviceConvGraph graph, GpuStream on);
}
