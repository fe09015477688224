package org.e3spark.kernels.cuda;

import java.util.ArrayList;
import java.util.List;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.bundle.BundleTarget;
import org.e3spark.kernels.bundle.KernelInventory;
import org.e3spark.kernels.bundle.KernelSource;
import org.e3spark.kernels.internal.codegen.PlannerTuning;

/**
 * The kernels {@link CudaTensorProduct} and {@link CudaTensorProductConv} compile at run time, as
 * {@link KernelSource}s for a {@link BundleTarget}: the same generator calls, program names and
 * options as their modules use, so a bundle built from these is hit by the run-time path. Every
 * kernel group is listed (forward, backward, double backward), whether or not a workload uses it.
 * For AMD targets the HIP rendering is listed with no extra options (what hiprtc is given in CI;
 * there is no HIP run-time path yet).
 */
public final class KernelSources {

    private KernelSources() {
    }

    /** The units of {@link CudaTensorProduct} for {@code problem} in {@code dtype}. */
    public static List<KernelSource> tensorProduct(TPProblem problem, DType dtype, BundleTarget target) {
        return forTarget(TensorProductModule.sources(problem, dtype, target.target(), false, PlannerTuning.DEFAULT), target);
    }

    /** The units of {@link CudaTensorProductConv} (either mode: the mode does not change the kernels). */
    public static List<KernelSource> convolution(TPProblem problem, DType dtype, BundleTarget target) {
        return forTarget(TensorProductModule.sources(problem, dtype, target.target(), true,
                PlannerTuning.convolutionDefault(dtype)), target);
    }

    /** An inventory of named problems: {@code convolution} selects the fused-convolution kernels. */
    public static KernelInventory problems(String label, List<TPProblem> problems, List<DType> dtypes, boolean convolution) {
        List<TPProblem> ps = List.copyOf(problems);
        List<DType> ds = List.copyOf(dtypes);
        return new KernelInventory() {
            @Override
            public String describe() {
                return label;
            }

            @Override
            public List<KernelSource> sources(BundleTarget target) {
                List<KernelSource> out = new ArrayList<>();
                for (TPProblem p : ps) {
                    for (DType d : ds) {
                        List<KernelSource> units = convolution ? convolution(p, d, target) : tensorProduct(p, d, target);
                        units.forEach(u -> out.add(u.labelled(label)));
                    }
                }
                return out;
            }
        };
    }

    private static List<KernelSource> forTarget(List<KernelSource> cuda, BundleTarget target) {
        if (target.isCuda()) {
            return cuda;
        }
        return cuda.stream().map(k -> new KernelSource(k.programName().replaceFirst("\\.cu$", ".hip"), k.source(),
                List.of(), k.purpose())).toList();
    }
}
