/**
 * Ahead-of-time kernel bundles: a jar of compiled kernels for every listed GPU architecture, so
 * executors need neither NVRTC nor compile time.
 *
 * <p>Building: a {@link org.e3spark.kernels.bundle.KernelInventory} lists what a workload compiles
 * (problems: {@code org.e3spark.kernels.cuda.KernelSources}; a featurizer: {@code org.e3spark.model.ModelKernels};
 * recorded runs: {@link org.e3spark.kernels.bundle.RecordedKernels}), generated for each
 * {@link org.e3spark.kernels.bundle.BundleTarget}; {@link org.e3spark.kernels.bundle.KernelBundleWriter}
 * compiles them ({@link org.e3spark.kernels.bundle.BundleCompilers}: NVRTC, hiprtc) into a reproducible
 * jar with a {@link org.e3spark.kernels.bundle.BundleManifest} and a hash list.
 *
 * <p>Using: {@link org.e3spark.kernels.bundle.KernelBundles} holds the bundles a process consults
 * (configured, on the class path, added by the Spark executor); {@code CachingKernelCompiler} asks it
 * before the disk cache and NVRTC. {@link org.e3spark.kernels.bundle.KernelBundle} explains the lookup key.
 */
package org.e3spark.kernels.bundle;
