package org.e3spark.kernels.hip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.e3spark.kernels.Backend;
import org.e3spark.kernels.ConvMode;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.Irreps;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.TPProblems;
import org.e3spark.kernels.TensorProduct;
import org.e3spark.kernels.TensorProductConv;
import org.e3spark.kernels.devices.Gpus;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** {@link Backend#HIP} where no AMD GPU is lent (CI, this machine): a clear reason, and AUTO moves on to the CPU. */
class HipBackendTest {

    static final TPProblem SMALL = TPProblems.channelwise(Irreps.parse("2x0e+1x1o"), Irreps.parse("1x0e+1x1o"),
            Irreps.parse("0e+1o"));

    @Test
    void hipWithoutAnAmdGpuFailsWithTheRuntimesReason() {
        Assumptions.assumeFalse(Gpus.hipPresentForTests(), "SKIPPED: an AMD GPU is present");
        HipUnavailableException e = assertThrows(HipUnavailableException.class,
                () -> TensorProduct.create(SMALL, Backend.HIP, DType.FLOAT32));
        assertTrue(e.getMessage().contains("HIP") || e.getMessage().contains("hip"), e.getMessage());
        assertThrows(HipUnavailableException.class,
                () -> TensorProductConv.create(SMALL, Backend.HIP, DType.FLOAT64, ConvMode.DETERMINISTIC));
        assertThrows(HipUnavailableException.class, () -> Gpus.device(Backend.HIP, 0));
        assertThrows(HipUnavailableException.class, () -> Gpus.count(Backend.HIP));
    }

    /** The binding loads where Debian's libamdhip64 is installed and answers "no device"; skipped visibly where it is missing. */
    @Test
    void theRuntimeBindingLoadsAndAnswersNoDevice() {
        HipUnavailableException e = assertThrows(HipUnavailableException.class, HipDevices::list);
        Assumptions.assumeFalse(e.getMessage().toLowerCase().contains("not found")
                        || e.getMessage().toLowerCase().contains("missing") || e.getMessage().toLowerCase().contains("no hip runtime"),
                "SKIPPED: the HIP runtime library is not installed: " + e.getMessage());
        assertTrue(e.getMessage().toLowerCase().contains("device"), e.getMessage());
    }

    @Test
    void autoFallsBackToTheCpuPastCudaAndHip() {
        Assumptions.assumeFalse(Gpus.hipPresentForTests(), "SKIPPED: an AMD GPU is present");
        try (TensorProduct tp = TensorProduct.create(SMALL, Backend.AUTO, DType.FLOAT64)) {
            Assumptions.assumeTrue(tp.backend() != Backend.CUDA, "SKIPPED: a CUDA GPU is present");
            assertEquals(Backend.CPU, tp.backend());
        }
    }
}
