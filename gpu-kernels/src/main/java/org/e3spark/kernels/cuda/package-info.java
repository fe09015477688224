/**
 * The CUDA runtime layer: compiling kernel source and running it on NVIDIA GPUs from the JVM. It
 * implements the GPU seam ({@code org.e3spark.kernels.gpu}): code outside gpu-kernels reaches it only
 * through that seam and {@link org.e3spark.kernels.devices.Gpus}.
 *
 * <p>Two native libraries, two bindings. NVRTC (the runtime compiler) is bound with
 * {@code java.lang.foreign} in {@link org.e3spark.kernels.cuda.Nvrtc}, because JCuda's
 * binding links NVRTC 12 and fails on CUDA 13; it always emits CUBIN for the device's exact
 * {@code sm_XY}. The driver API goes through JCuda, called only from the package-private
 * {@code CudaDriver} facade, which checks every result code and turns it into a
 * {@link org.e3spark.kernels.cuda.CudaException} (API name + {@code CUresult}); a missing
 * driver, GPU or compiler is a {@link org.e3spark.kernels.BackendUnavailableException}
 * subclass saying why, never a linkage error.
 *
 * <p>Ownership: every native handle has exactly one {@link java.lang.AutoCloseable} owner —
 * {@link org.e3spark.kernels.cuda.CudaDevice} (a primary-context retain),
 * {@link org.e3spark.kernels.cuda.CudaBuffer} (one allocation, made by a
 * {@link org.e3spark.kernels.cuda.CudaAllocator} that counts what is outstanding),
 * {@link org.e3spark.kernels.cuda.CudaPinnedBuffer}, {@link org.e3spark.kernels.cuda.CudaStream},
 * {@link org.e3spark.kernels.cuda.CudaEvent} and {@link org.e3spark.kernels.cuda.CudaModule}
 * (whose {@link org.e3spark.kernels.cuda.CudaFunction}s are borrowed). Closing twice is
 * harmless; use after close throws {@link java.lang.IllegalStateException}. Each call makes the
 * device's context current first, so objects may be used from any thread.
 *
 * <p>Typical use:
 * <pre>{@code
 * try (CudaDevice gpu = CudaDevice.open(0);
 *      CudaModule module = new CachingKernelCompiler(Nvrtc.system(), KernelCache.atDefaultDirectory())
 *              .load(gpu, source, "tp_forward.cu", List.of("-default-device"));
 *      CudaStream stream = gpu.createStream();
 *      DeviceBuffer x = gpu.allocator().allocate(n * 4L)) {
 *     x.copyFrom(hostFloats);
 *     module.function("tp_forward").launch(LaunchConfig.cover(n, 256), stream, x, n);
 *     stream.synchronize();
 * }
 * }</pre>
 */
package org.e3spark.kernels.cuda;
