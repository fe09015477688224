package org.e3spark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.e3spark.data.SampleStructures;
import org.e3spark.kernels.Backend;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.BackendUnavailableException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Device selection against CUDA/AUTO, exercised with the CPU backend (this machine has no GPU). */
class ComputeTargetTest {

    static final FeaturizerModel MODEL = FeaturizerModel.seeded(FeaturizerConfig.bundled("featurizer-small"));

    @AfterEach
    void clearProperty() {
        System.clearProperty(ComputeTarget.DEVICE_PROPERTY);
    }

    @Test
    void defaultDeviceComesFromThePropertyThenZero() {
        System.clearProperty(ComputeTarget.DEVICE_PROPERTY);
        if (System.getenv(ComputeTarget.DEVICE_ENV) == null) {
            assertEquals(0, ComputeTarget.defaultDevice());
        }
        System.setProperty(ComputeTarget.DEVICE_PROPERTY, "3");
        assertEquals(3, ComputeTarget.defaultDevice());
        assertEquals(3, ComputeTarget.auto(-1).resolvedDevice());
        assertEquals(1, ComputeTarget.auto(1).resolvedDevice());
        System.setProperty(ComputeTarget.DEVICE_PROPERTY, "gpu0");
        assertTrue(assertThrows(IllegalArgumentException.class, ComputeTarget::defaultDevice).getMessage()
                .contains("-De3spark.cuda.device"));
    }

    @Test
    void targetsOfTwoDevicesCoexistWithoutTouchingTheProcessDefault() {
        System.clearProperty(ComputeTarget.DEVICE_PROPERTY);
        try (Featurizer a = Featurizer.create(MODEL, ComputeTarget.auto(0), DType.FLOAT32);
             Featurizer b = Featurizer.create(MODEL, ComputeTarget.auto(1), DType.FLOAT32)) {
            assertEquals(null, System.getProperty(ComputeTarget.DEVICE_PROPERTY));
            assertEquals(1, b.target().resolvedDevice());
            assertEquals(0, a.target().resolvedDevice());
        }
    }

    @Test
    void hipWithoutAnAmdGpuThrowsWithTheReason() {
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> Featurizer.create(MODEL, ComputeTarget.hip(0), DType.FLOAT32).close());
        assertTrue(e.getMessage().toLowerCase().contains("hip"), e.getMessage());
        assertEquals("hip:0", ComputeTarget.hip(0).toString());
    }

    @Test
    void cudaWithoutAGpuThrowsAndAutoFallsBackToTheCpu() {
        assertThrows(BackendUnavailableException.class,
                () -> Featurizer.create(MODEL, ComputeTarget.cuda(0), DType.FLOAT32).close());
        System.clearProperty(ComputeTarget.DEVICE_PROPERTY);
        try (Featurizer auto = Featurizer.create(MODEL, ComputeTarget.auto(0), DType.FLOAT32);
             Featurizer cpu = Featurizer.create(MODEL, ComputeTarget.cpu(), DType.FLOAT32)) {
            assertEquals(Backend.CPU, auto.backend());
            var s = List.of(SampleStructures.methane());
            assertEquals(cpu.featurize(s, false).atomFeatures().length, auto.featurize(s, false).atomFeatures().length);
        }
    }
}
