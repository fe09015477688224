package org.e3spark.kernels.bundle;

import java.util.List;

/**
 * The model -> kernel list step of bundling: everything some workload compiles at run time, generated
 * for one target. Each kind of workload has its own inventory: tensor-product and convolution problems
 * ({@code org.e3spark.kernels.cuda.KernelSources}), a featurizer model (in the model module), the
 * kernels a run recorded ({@link RecordedKernels}); a new model family (MACE) adds one more and the
 * bundle builder needs no change.
 */
public interface KernelInventory {

    /** What this inventory covers, in words (for the manifest and the CLI's report). */
    String describe();

    /** Every translation unit the workload compiles on a device of {@code target}; may be empty. */
    List<KernelSource> sources(BundleTarget target);
}
