package org.e3spark.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import org.e3spark.kernels.internal.BackendUnavailableException;
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
}
