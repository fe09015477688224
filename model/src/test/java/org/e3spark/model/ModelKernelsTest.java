package org.e3spark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.bundle.BundleTarget;
import org.e3spark.kernels.bundle.KernelSource;
import org.e3spark.kernels.devices.GpuKernelSources;
import org.e3spark.kernels.gpu.GpuTarget;
import org.e3spark.model.internal.ModelPlan;
import org.e3spark.model.internal.RadialBasis;
import org.e3spark.model.internal.gpu.DeviceFeaturizer;
import org.e3spark.model.internal.gpu.FeaturizerKernels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The featurizer's kernel list for bundles: what its GPU path compiles, for a config or a saved model alike. */
class ModelKernelsTest {

    static final FeaturizerConfig SMALL = FeaturizerConfig.bundled("featurizer-small");

    @Test
    void theFeaturizersConvolutionsAndDenseStagesPerDtype() {
        ModelPlan plan = new ModelPlan(SMALL);
        BundleTarget sm90 = BundleTarget.of("sm_90");
        List<KernelSource> units = ModelKernels.forFeaturizer(SMALL, List.of(DType.FLOAT32, DType.FLOAT64)).sources(sm90);
        assertEquals(2 * (plan.layers().size() * 3 + 1), units.size());
        // the convolution units are those CudaTensorProductConv compiles for the layer's problem
        assertEquals(GpuKernelSources.convolution(plan.layers().getFirst().conv(), DType.FLOAT32, sm90).getFirst().source(),
                units.getFirst().source());
        // the dense stages as DeviceFeaturizer names and compiles them (radial basis and scale as Featurizer derives them)
        KernelSource dense = DeviceFeaturizer.denseStages(new FeaturizerKernels(plan,
                new RadialBasis(SMALL.edgeFeatures().bessel(), SMALL.edgeFeatures().envelope()),
                1.0 / Math.sqrt(SMALL.avgNumNeighbors()), DType.FLOAT32), DType.FLOAT32, GpuTarget.Dialect.CUDA, 32);
        KernelSource listed = units.get(plan.layers().size() * 3);
        assertEquals(dense.source(), listed.source());
        assertEquals(dense.programName(), listed.programName());
        assertEquals(List.of("--std=c++17"), listed.options());
        assertTrue(listed.purpose().startsWith("featurizer featurizer-small: featurizer dense stages"), listed.purpose());
        // HIP: the HIP rendering, .hip names, no options
        KernelSource hip = ModelKernels.forFeaturizer(SMALL, List.of(DType.FLOAT32)).sources(BundleTarget.of("gfx90a")).getLast();
        assertTrue(hip.programName().endsWith(".hip") && hip.options().isEmpty(), hip.toString());
    }

    @Test
    void aSavedModelListsTheSameKernelsAsItsConfig(@TempDir Path tmp) {
        Path e3k = tmp.resolve("m.e3k");
        ModelIo.save(FeaturizerModel.seeded(SMALL), e3k);
        BundleTarget t = BundleTarget.of("sm_80");
        assertEquals(ModelKernels.forFeaturizer(SMALL, List.of(DType.FLOAT32)).sources(t),
                ModelKernels.forFile(e3k, List.of(DType.FLOAT32)).sources(t));
        assertThrows(IllegalArgumentException.class, () -> ModelKernels.forFile(tmp.resolve("m.txt"), List.of(DType.FLOAT32)));
    }
}
