package org.e3spark.kernels.hip;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.e3spark.kernels.BackendUnavailableException;
import org.e3spark.kernels.internal.rtc.NativeLibrarySearch.Candidate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HipDevicesTest {

    @TempDir
    Path tmp;

    @Test
    void withoutTheHipRuntimeThereIsNoAmdGpuAndTheSearchIsNamed() {
        List<Candidate> fakes = List.of(new Candidate(tmp.resolve("libamdhip64.so.6").toString(), true, true));
        BackendUnavailableException e = assertThrows(HipUnavailableException.class, () -> HipDevices.list(fakes));
        assertTrue(e.getMessage().startsWith("no AMD GPU: the HIP runtime (libamdhip64) was not found"), e.getMessage());
        assertTrue(e.getMessage().contains(tmp.resolve("libamdhip64.so.6").toString()), e.getMessage());
    }

    /** What this machine has: CI has the HIP runtime (hiprtc lives in it) but no AMD GPU. */
    @Test
    void reportsTheAmdGpusHereOrWhyThereAreNone() {
        try {
            List<HipDevices.Device> devices = HipDevices.list();
            assertFalse(devices.isEmpty());
            for (HipDevices.Device d : devices) {
                System.out.println(d);
                assertTrue(d.wavefrontSize() == 32 || d.wavefrontSize() == 64, d.toString());
                assertTrue(d.computeUnits() > 0 && d.gcnArch() > 0, d.toString());
            }
        } catch (HipUnavailableException e) {
            System.out.println("HIP: " + e.getMessage());
            assertTrue(e.getMessage().startsWith("no AMD GPU: "), e.getMessage());
            assertTrue(e.getMessage().contains("hipErrorNoDevice") || e.getMessage().contains("0 devices")
                    || e.getMessage().contains("not found"), e.getMessage());
        }
    }
}
