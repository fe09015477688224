package org.e3spark.kernels.devices;

import java.util.List;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.bundle.BundleTarget;
import org.e3spark.kernels.bundle.KernelInventory;
import org.e3spark.kernels.bundle.KernelSource;
import org.e3spark.kernels.cuda.KernelSources;

/**
 * The kernels the GPU tensor products and convolutions compile, as {@link KernelSource}s for a
 * {@link BundleTarget} (CUDA or HIP): what kernel bundles and {@code e3spark kernels} are built from.
 */
public final class GpuKernelSources {

    private GpuKernelSources() {
    }

    public static List<KernelSource> tensorProduct(TPProblem problem, DType dtype, BundleTarget target) {
        return KernelSources.tensorProduct(problem, dtype, target);
    }

    /** Either convolution mode: the mode does not change the kernels. */
    public static List<KernelSource> convolution(TPProblem problem, DType dtype, BundleTarget target) {
        return KernelSources.convolution(problem, dtype, target);
    }

    /** An inventory of named problems: {@code convolution} selects the fused-convolution kernels. */
    public static KernelInventory problems(String label, List<TPProblem> problems, List<DType> dtypes, boolean convolution) {
        return KernelSources.problems(label, problems, dtypes, convolution);
    }
}
