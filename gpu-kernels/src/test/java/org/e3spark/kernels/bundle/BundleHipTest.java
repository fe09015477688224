package org.e3spark.kernels.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.cuda.KernelSources;
import org.e3spark.kernels.hip.Hiprtc;
import org.e3spark.kernels.hip.HiprtcUnavailableException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real bundle: the generated HIP kernels of a problem (plain and fused convolution, both dtypes)
 * compiled by hiprtc for gfx90a, with no GPU. Where hiprtc is not installed the test aborts visibly
 * (CI installs it: {@code .ci/run}).
 */
class BundleHipTest {

    @Test
    void aGfx90aBundleHoldsRealCodeObjectsFoundByTheirSource(@TempDir Path tmp) throws Exception {
        Hiprtc hiprtc;
        try {
            hiprtc = Hiprtc.system();
        } catch (HiprtcUnavailableException e) {
            String reason = "SKIPPED: hiprtc is not installed; no real gfx90a bundle built. " + e.getMessage();
            System.out.println(reason);
            Assumptions.abort(reason);
            return;
        }
        List<KernelInventory> inv = List.of(
                KernelSources.problems("hip test problem", List.of(BundleFixtures.small()), List.of(DType.FLOAT32, DType.FLOAT64), false),
                KernelSources.problems("hip test conv", List.of(BundleFixtures.small()), List.of(DType.FLOAT32), true));
        Path out = tmp.resolve("kernels-gfx90a.jar");
        long t0 = System.nanoTime();
        KernelBundleWriter.Summary s = KernelBundleWriter.write(inv, BundleTarget.parseList("gfx90a"),
                BundleCompilers::forTarget, 2, out);
        System.out.printf("gfx90a bundle: %s, %d bytes in %d ms%n", s.entriesPerArch(), s.bytes(),
                (System.nanoTime() - t0) / 1_000_000);
        assertEquals(9, s.entriesPerArch().get("gfx90a"));
        assertEquals(hiprtc.identity(), s.manifest().compilers().get("gfx90a"));

        BundleTarget gfx90a = BundleTarget.of("gfx90a");
        try (KernelBundle b = KernelBundle.open(out)) {
            for (KernelSource u : KernelSources.convolution(BundleFixtures.small(), DType.FLOAT32, gfx90a)) {
                KernelBundle.Lookup l = b.find(u.source(), "gfx90a", u.options());
                assertTrue(l.hit(), u.programName());
                String image = new String(l.code(), StandardCharsets.ISO_8859_1);
                assertTrue(image.startsWith("\u007fELF") || image.startsWith("__CLANG_OFFLOAD_BUNDLE__"), u.programName());
                assertTrue(image.contains("amdgcn-amd-amdhsa") || image.contains("gfx90a"), u.programName());
                assertTrue(u.programName().endsWith(".hip"), u.programName());
            }
        }
        // rebuilt: hiprtc's output is deterministic, so is the jar
        Path again = tmp.resolve("again.jar");
        KernelBundleWriter.write(inv, BundleTarget.parseList("gfx90a"), BundleCompilers::forTarget, 1, again);
        assertArrayEquals(Files.readAllBytes(out), Files.readAllBytes(again), "a rebuilt gfx90a bundle is byte-identical");
    }
}
