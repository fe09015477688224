/**
 * The start of the HIP backend: compiling the kernel generator's HIP rendering for AMD GPUs from
 * the JVM. There is no HIP tensor-product backend yet; nothing here runs a kernel.
 *
 * <p>{@link org.e3spark.kernels.hip.Hiprtc} binds hiprtc with {@code java.lang.foreign} through the
 * program protocol it shares with NVRTC ({@code internal.rtc.RtcApi}), finds it as
 * {@link org.e3spark.kernels.hip.HiprtcLibrary} describes (ROCm 5 builds hiprtc into
 * {@code libamdhip64.so.5}), and compiles for one {@link org.e3spark.kernels.hip.AmdGpuArch}: a
 * {@code gfx} processor and a wavefront size, which the generated source checks against its own
 * plan. It needs no GPU, so CI compiles generated kernels with it. A source hiprtc refuses is a
 * {@link org.e3spark.kernels.hip.HipKernelCompileException} (log, options, target, dumped source).
 *
 * <p>{@link org.e3spark.kernels.hip.HipDevices} asks the HIP runtime which AMD GPUs exist, and
 * says why there are none as a {@link org.e3spark.kernels.hip.HipUnavailableException}.
 */
package org.e3spark.kernels.hip;
