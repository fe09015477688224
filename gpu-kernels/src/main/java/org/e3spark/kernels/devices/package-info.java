/**
 * Above the GPU backends: {@link org.e3spark.kernels.devices.Gpus} opens a
 * {@link org.e3spark.kernels.gpu.GpuDevice} of a backend by ordinal and builds the device-resident
 * kernels on it; {@link org.e3spark.kernels.devices.GpuKernelSources} lists the kernels they compile
 * (for bundles). Code outside gpu-kernels uses this package and {@code org.e3spark.kernels.gpu}, never
 * a backend package.
 */
package org.e3spark.kernels.devices;
