/**
 * The GPU seam: what every GPU backend implements and everything above the backends uses.
 * {@link org.e3spark.kernels.gpu.GpuDevice} (architecture, memory, streams, events, pinned host
 * memory, compiled modules), {@link org.e3spark.kernels.gpu.DeviceBuffer} from a
 * {@link org.e3spark.kernels.gpu.DeviceAllocator} that reports what is outstanding,
 * {@link org.e3spark.kernels.gpu.GpuModule} and the one launch path,
 * {@link org.e3spark.kernels.gpu.GpuFunction#launch}; the device-resident kernel interfaces
 * ({@link org.e3spark.kernels.gpu.DeviceTensorProduct}, {@link org.e3spark.kernels.gpu.DeviceTensorProductConv},
 * {@link org.e3spark.kernels.gpu.DeviceSymmetricContraction}) with the graph they share
 * ({@link org.e3spark.kernels.gpu.DeviceConvGraph}); and the {@link org.e3spark.kernels.gpu.SourceWriter},
 * {@link org.e3spark.kernels.gpu.DialectPrelude}, {@link org.e3spark.kernels.gpu.Literals} and
 * {@link org.e3spark.kernels.gpu.GpuTarget} that generated kernels (the library's and the featurizer's)
 * are written with, for CUDA and HIP alike.
 *
 * <p>{@code org.e3spark.kernels.cuda} implements it (JCuda driver, NVRTC, kernel bundles);
 * {@code org.e3spark.kernels.hip} binds hiprtc and the HIP runtime but does not implement it yet (no
 * AMD GPU has been lent). Devices are opened, and kernels built on them, through
 * {@link org.e3spark.kernels.devices.Gpus}.
 */
package org.e3spark.kernels.gpu;
