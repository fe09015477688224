package org.e3spark.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.List;
import org.e3spark.kernels.BackendUnavailableException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NvrtcLibraryTest {

    @TempDir
    Path tmp;

    @Test
    void configuredFileComesFirstThenSonamesThenCudaDirectories() {
        String configured = tmp.resolve("my-nvrtc.so").toString();
        List<NvrtcLibrary.Candidate> candidates = NvrtcLibrary.candidates(configured, tmp.toString());
        assertEquals(new NvrtcLibrary.Candidate(configured, true, true), candidates.getFirst());
        assertEquals(NvrtcLibrary.SONAMES,
                candidates.subList(1, 1 + NvrtcLibrary.SONAMES.size()).stream().map(NvrtcLibrary.Candidate::name).toList());
        assertEquals(List.of("libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so"), NvrtcLibrary.SONAMES);
        List<String> names = candidates.stream().map(NvrtcLibrary.Candidate::name).toList();
        assertTrue(names.contains(tmp.resolve("lib64").resolve("libnvrtc.so.13").toString()), names.toString());
        assertTrue(names.contains(tmp.resolve("targets/x86_64-linux/lib/libnvrtc.so.12").toString()));
        assertTrue(names.contains("/usr/local/cuda/lib64/libnvrtc.so.13"));
    }

    @Test
    void missingLibraryErrorNamesEveryCandidateTried() {
        List<NvrtcLibrary.Candidate> fakes = List.of(
                new NvrtcLibrary.Candidate(tmp.resolve("absent/libnvrtc.so.99").toString(), true, true),
                new NvrtcLibrary.Candidate("libnvrtc-e3spark-test-absent.so.1", false, false));
        NvrtcUnavailableException e = assertThrows(NvrtcUnavailableException.class,
                () -> NvrtcLibrary.open(fakes, Arena.global()));
        assertTrue(e.getMessage().contains(tmp.resolve("absent/libnvrtc.so.99").toString()), e.getMessage());
        assertTrue(e.getMessage().contains("libnvrtc-e3spark-test-absent.so.1 (loader path)"), e.getMessage());
        assertTrue(e.getMessage().contains(NvrtcLibrary.PROPERTY), e.getMessage());
    }

    @Test
    void withoutNvrtcInstalledLoadingFailsAsBackendUnavailableNamingTheSearch() {
        String configured = tmp.resolve("does-not-exist/libnvrtc.so.13").toString();
        List<NvrtcLibrary.Candidate> candidates = NvrtcLibrary.candidates(configured, null);
        boolean installed = candidates.stream().skip(1).anyMatch(c -> {
            try {
                NvrtcLibrary.open(List.of(c), Arena.ofAuto());
                return true;
            } catch (NvrtcUnavailableException absent) {
                return false;
            }
        });
        assumeTrue(!installed, "NVRTC is installed on this machine; the missing-library path cannot be exercised");
        BackendUnavailableException e = assertThrows(NvrtcUnavailableException.class, () -> Nvrtc.load(candidates));
        for (String expected : List.of(configured, "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2",
                "libnvrtc.so (loader path)", "/usr/local/cuda/lib64/libnvrtc.so.13")) {
            assertTrue(e.getMessage().contains(expected), "message should name " + expected + ":\n" + e.getMessage());
        }
    }

    @Test
    void systemPropertyConfiguresTheLibraryPath() {
        String old = System.getProperty(NvrtcLibrary.PROPERTY);
        try {
            System.setProperty(NvrtcLibrary.PROPERTY, "/opt/x/libnvrtc.so.13");
            assertEquals("/opt/x/libnvrtc.so.13", NvrtcLibrary.configuredPath());
        } finally {
            if (old == null) {
                System.clearProperty(NvrtcLibrary.PROPERTY);
            } else {
                System.setProperty(NvrtcLibrary.PROPERTY, old);
            }
        }
    }
}
