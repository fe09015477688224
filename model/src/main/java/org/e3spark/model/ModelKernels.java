package org.e3spark.model;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.bundle.BundleTarget;
import org.e3spark.kernels.bundle.KernelInventory;
import org.e3spark.kernels.bundle.KernelSource;
import org.e3spark.kernels.devices.GpuKernelSources;
import org.e3spark.kernels.gpu.GpuTarget;
import org.e3spark.model.internal.ModelPlan;
import org.e3spark.model.internal.RadialBasis;
import org.e3spark.model.internal.gpu.DeviceFeaturizer;
import org.e3spark.model.internal.gpu.FeaturizerKernels;

/**
 * The model -> kernel list step of {@code bin/e3spark kernels bundle --model}: every kernel a model
 * compiles on the GPU path, as a {@link KernelInventory}. A featurizer ({@link Featurizer}) compiles, per
 * dtype, the fused convolution of each layer (all three kernel groups, so inference and forces are both
 * covered; either convolution mode) and one unit of generated dense stages ({@link DeviceFeaturizer}).
 * Only the architecture of the model matters, never its weights: a config and a saved {@code .e3k} of it
 * give the same kernels.
 *
 * <p>Extension point: {@link #forFile} decides the model family from the file. Another family (MACE
 * configs, once the model module has them) adds a branch there returning its own inventory built the same
 * way, from the units its GPU path hands {@code CudaRuntime.compiler()}; the bundle writer, the jar format
 * and the run-time lookup need no change.
 */
public final class ModelKernels {

    private ModelKernels() {
    }

    /** The inventory of a model file: a featurizer config ({@code .json}) or a saved model ({@code .e3k}). */
    public static KernelInventory forFile(Path file, List<DType> dtypes) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".e3k")) {
            return forFeaturizer(ModelIo.load(file).config(), dtypes);
        }
        if (name.endsWith(".json")) {
            return forFeaturizer(FeaturizerConfig.read(file), dtypes);
        }
        throw new IllegalArgumentException("--model must be a featurizer config (.json) or a saved model (.e3k): " + file);
    }

    /** The inventory of one of the configs bundled in the jar ({@code featurizer-small}, ...). */
    public static KernelInventory forBundledConfig(String configName, List<DType> dtypes) {
        return forFeaturizer(FeaturizerConfig.bundled(configName), dtypes);
    }

    /** Every kernel a {@link Featurizer} of {@code config} compiles on CUDA, for each dtype. */
    public static KernelInventory forFeaturizer(FeaturizerConfig config, List<DType> dtypes) {
        ModelPlan plan = new ModelPlan(config);
        List<DType> ds = List.copyOf(dtypes);
        // as Featurizer derives them from the config
        RadialBasis radial = new RadialBasis(config.edgeFeatures().bessel(), config.edgeFeatures().envelope());
        double convScale = 1.0 / Math.sqrt(config.avgNumNeighbors());
        String label = "featurizer " + config.name();
        return new KernelInventory() {
            @Override
            public String describe() {
                return label + " (" + plan.layers().size() + " layers; "
                        + String.join(",", ds.stream().map(d -> d.name().toLowerCase(Locale.ROOT)).toList()) + ")";
            }

            @Override
            public List<KernelSource> sources(BundleTarget target) {
                List<KernelSource> out = new ArrayList<>();
                for (DType d : ds) {
                    for (ModelPlan.LayerPlan lp : plan.layers()) {
                        for (KernelSource u : GpuKernelSources.convolution(lp.conv(), d, target)) {
                            out.add(u.labelled(label + " layer " + lp.index()));
                        }
                    }
                    GpuTarget t = target.target();
                    out.add(DeviceFeaturizer.denseStages(new FeaturizerKernels(plan, radial, convScale, d), d, t.dialect(),
                            t.warpWidth()).labelled(label));
                }
                return out;
            }
        };
    }
}
