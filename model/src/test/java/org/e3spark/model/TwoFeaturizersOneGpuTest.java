package org.e3spark.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.e3spark.data.SampleDataset;
import org.e3spark.data.Structure;
import org.e3spark.kernels.Backend;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.gpu.GpuTest;
import org.junit.jupiter.api.Test;

/**
 * Issue 18 on one GPU: one JVM drives the device through two featurizers at once, each with its own
 * stream and workspace (what a local-mode Spark job with two slots per device does), and each gives
 * exactly what one featurizer alone gives (deterministic convolutions).
 */
@GpuTest
class TwoFeaturizersOneGpuTest {

    @Test
    void twoFeaturizersOnTwoStreamsGiveTheSameFeaturesAsOne() throws Exception {
        FeaturizerModel model = FeaturizerModel.seeded(FeaturizerConfig.bundled("featurizer-small"));
        List<Structure> sample = SampleDataset.load();
        FeaturizerResult alone;
        try (Featurizer f = Featurizer.create(model, ComputeTarget.cuda(0), DType.FLOAT32)) {
            alone = f.featurize(sample, false);
        }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (Featurizer a = Featurizer.create(model, ComputeTarget.cuda(0), DType.FLOAT32);
             Featurizer b = Featurizer.create(model, ComputeTarget.cuda(0), DType.FLOAT32)) {
            assertEquals(Backend.CUDA, a.backend());
            assertEquals(Backend.CUDA, b.backend());
            for (int round = 0; round < 20; round++) {
                Future<FeaturizerResult> ra = pool.submit(() -> a.featurize(sample, false));
                Future<FeaturizerResult> rb = pool.submit(() -> b.featurize(sample, false));
                assertArrayEquals(alone.atomFeatures(), ra.get().atomFeatures(), "featurizer a, round " + round);
                assertArrayEquals(alone.atomFeatures(), rb.get().atomFeatures(), "featurizer b, round " + round);
                assertArrayEquals(alone.structureFeatures(), rb.get().structureFeatures());
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
