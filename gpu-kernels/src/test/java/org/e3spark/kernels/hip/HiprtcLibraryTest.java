package org.e3spark.kernels.hip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;
import org.e3spark.kernels.BackendUnavailableException;
import org.e3spark.kernels.internal.rtc.NativeLibrarySearch.Candidate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HiprtcLibraryTest {

    @TempDir
    Path tmp;

    @Test
    void configuredFileComesFirstThenSonamesThenRocmDirectories() {
        String configured = tmp.resolve("my-hiprtc.so").toString();
        List<Candidate> candidates = HiprtcLibrary.candidates(configured, tmp.toString());
        assertEquals(new Candidate(configured, true, true), candidates.getFirst());
        assertEquals(List.of("libhiprtc.so", "libhiprtc.so.6", "libhiprtc.so.5", "libamdhip64.so.6", "libamdhip64.so.5"),
                candidates.subList(1, 6).stream().map(Candidate::name).toList());
        assertTrue(candidates.subList(1, 6).stream().noneMatch(Candidate::isFile), "sonames go through the loader path");
        List<String> names = candidates.stream().map(Candidate::name).toList();
        assertTrue(names.contains(tmp.resolve("lib/libhiprtc.so.6").toString()), names.toString());
        assertTrue(names.contains("/opt/rocm/lib/libamdhip64.so.5"), names.toString());
        assertTrue(names.indexOf(tmp.resolve("lib/libhiprtc.so").toString()) < names.indexOf("/opt/rocm/lib/libhiprtc.so"),
                "ROCM_PATH before /opt/rocm");
    }

    @Test
    void missingLibraryIsBackendUnavailableNamingEveryCandidate() {
        List<Candidate> fakes = List.of(new Candidate(tmp.resolve("absent/libhiprtc.so.6").toString(), true, true),
                new Candidate("libhiprtc-e3spark-test-absent.so.1", false, false));
        BackendUnavailableException e = assertThrows(HiprtcUnavailableException.class,
                () -> HiprtcLibrary.open(fakes, Arena.global()));
        assertTrue(e.getMessage().contains(tmp.resolve("absent/libhiprtc.so.6") + " (configured)"), e.getMessage());
        assertTrue(e.getMessage().contains("libhiprtc-e3spark-test-absent.so.1 (loader path)"), e.getMessage());
        assertTrue(e.getMessage().contains(HiprtcLibrary.PROPERTY) && e.getMessage().contains(HiprtcLibrary.ENV),
                e.getMessage());
        assertThrows(HiprtcUnavailableException.class, () -> Hiprtc.load(fakes));
    }

    @Test
    void systemPropertyConfiguresTheLibraryPath() {
        String old = System.getProperty(HiprtcLibrary.PROPERTY);
        try {
            System.setProperty(HiprtcLibrary.PROPERTY, " /opt/x/libhiprtc.so.6 ");
            assertEquals("/opt/x/libhiprtc.so.6", HiprtcLibrary.configuredPath());
        } finally {
            if (old == null) {
                System.clearProperty(HiprtcLibrary.PROPERTY);
            } else {
                System.setProperty(HiprtcLibrary.PROPERTY, old);
            }
        }
    }

    @Test
    void targetOptionsNameTheProcessorAndOnRdnaTheWavefrontSize() {
        assertEquals(List.of("--offload-arch=gfx90a"), Hiprtc.targetOptions(AmdGpuArch.GFX90A));
        assertEquals(List.of("--offload-arch=gfx1030", "-mno-wavefrontsize64"),
                Hiprtc.targetOptions(new AmdGpuArch("gfx1030", 32)));
        assertEquals(List.of("--offload-arch=gfx1030", "-mwavefrontsize64"),
                Hiprtc.targetOptions(new AmdGpuArch("gfx1030", 64)));
    }
}
