package org.e3spark.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.util.Random;
import org.e3spark.kernels.Backend;
import org.e3spark.kernels.ConvMode;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.ProblemCatalog;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.TensorProduct;
import org.e3spark.kernels.TensorProductConv;
import org.e3spark.kernels.BackendUnavailableException;
import org.e3spark.kernels.testing.RandomData;
import org.junit.jupiter.api.Test;

/** On a machine without an NVIDIA driver (CI), the driver layer must fail typed, not with a linkage error. */
class CudaDriverUnavailableTest {

    private static boolean libcudaPresent() {
        try (Arena arena = Arena.ofConfined()) {
            SymbolLookup.libraryLookup("libcuda.so.1", arena);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Test
    void withoutDriverEveryEntryPointThrowsBackendUnavailableNamingLibcuda() {
        assumeFalse(libcudaPresent(), "this machine has an NVIDIA driver");
        BackendUnavailableException first = assertThrows(CudaUnavailableException.class, CudaDevice::count);
        assertTrue(first.getMessage().contains("libcuda.so.1"), first.getMessage());
        BackendUnavailableException again = assertThrows(CudaUnavailableException.class, () -> CudaDevice.open(0));
        assertEquals(first.getMessage(), again.getMessage(), "the first reason, every time");
        assertThrows(CudaUnavailableException.class, CudaDevice::driverVersion);
    }

    @Test
    void cudaBackendSaysWhyAndAutoFallsBackToTheCpu() {
        assumeFalse(libcudaPresent(), "this machine has an NVIDIA driver");
        TPProblem p = ProblemCatalog.problem("nequip-water");
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> TensorProduct.create(p, Backend.CUDA, DType.FLOAT32));
        assertTrue(e.getMessage().contains("libcuda.so.1"), e.getMessage());
        Random rng = new Random(1);
        int batch = 3;
        float[] x = RandomData.toFloat(RandomData.normal(rng, batch * p.in1().dim()));
        float[] y = RandomData.toFloat(RandomData.normal(rng, batch * p.in2().dim()));
        float[] w = RandomData.toFloat(RandomData.normal(rng, batch * p.weightNumel()));
        try (TensorProduct auto = TensorProduct.create(p, Backend.AUTO, DType.FLOAT32);
             TensorProduct cpu = TensorProduct.create(p, Backend.CPU, DType.FLOAT32)) {
            assertEquals(Backend.CPU, auto.backend(), "AUTO must fall back to the CPU and say which backend runs");
            assertTrue(java.util.Arrays.equals(cpu.forward(x, y, w, batch), auto.forward(x, y, w, batch)));
        }
        try (TensorProductConv conv = TensorProductConv.create(p, Backend.AUTO, DType.FLOAT32, ConvMode.ATOMIC)) {
            assertEquals(Backend.CPU, conv.backend());
        }
    }
}
