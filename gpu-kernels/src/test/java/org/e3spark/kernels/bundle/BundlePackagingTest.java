package org.e3spark.kernels.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.cuda.KernelSources;
import org.e3spark.kernels.internal.cache.KernelKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Packaging, with a fake compiler: layout, manifest, hash list, reproducibility. */
class BundlePackagingTest {

    @Test
    void oneEntryPerKernelAndArchitectureWithManifestAndHashList() throws Exception {
        byte[] jar = BundleFixtures.build(List.of(BundleFixtures.smallProblems()), "sm_90,sm_80");
        Map<String, byte[]> entries = BundleFixtures.entries(jar);
        List<String> names = new ArrayList<>(entries.keySet());
        assertEquals("META-INF/MANIFEST.MF", names.get(0));
        assertEquals(KernelBundle.MANIFEST, names.get(1));
        assertEquals(KernelBundle.SUMS, names.get(2));
        // 3 kernel groups (forward, backward, double backward) x 2 architectures
        assertEquals(3 + 6, names.size(), names.toString());

        BundleManifest m = BundleManifest.decode(entries.get(KernelBundle.MANIFEST));
        assertEquals(List.of("sm_80", "sm_90"), List.copyOf(m.compilers().keySet()), "archs sorted by number");
        assertEquals("fake-sm_90", m.compilers().get("sm_90"));
        assertEquals(KernelKey.SCHEME, m.keyScheme());
        assertEquals(List.of("test problem"), m.inputs());
        assertEquals(6, m.entries().size());
        String sums = new String(entries.get(KernelBundle.SUMS), StandardCharsets.UTF_8);
        assertTrue(sums.startsWith(KernelBundle.sha256Hex(entries.get(KernelBundle.MANIFEST)) + "  " + KernelBundle.MANIFEST + "\n"));
        for (BundleManifest.Entry e : m.entries()) {
            byte[] payload = entries.get(e.path());
            assertNotNull(payload, e.path());
            assertEquals(e.size(), payload.length);
            assertEquals(KernelBundle.sha256Hex(payload), e.sha256Hex());
            assertTrue(sums.contains(e.sha256Hex() + "  " + e.path() + "\n"), e.path());
            assertTrue(e.purpose().startsWith("test problem: tensor product "), e.purpose());
            assertEquals(List.of("--std=c++17"), e.options());
            assertTrue(e.path().startsWith(KernelBundle.DIR + e.arch() + "/"), e.path());
        }

        // the entry key is today's disk-cache key, with the bundle's compiler identity
        BundleTarget sm90 = BundleTarget.of("sm_90");
        KernelSource forward = KernelSources.tensorProduct(BundleFixtures.small(), DType.FLOAT32, sm90).getFirst();
        KernelKey key = KernelKey.of(forward.source(), "sm_90", "fake-sm_90", forward.options());
        assertTrue(m.entries().stream().anyMatch(e -> e.key().equals(key) && e.arch().equals("sm_90")));
    }

    @Test
    void theSameInputsGiveAByteIdenticalJar(@TempDir Path tmp) throws Exception {
        List<KernelInventory> inv = List.of(BundleFixtures.smallProblems(),
                KernelSources.problems("conv", List.of(BundleFixtures.small()), List.of(DType.FLOAT32, DType.FLOAT64), true));
        byte[] a = BundleFixtures.build(inv, "sm_80,sm_90");
        byte[] b = BundleFixtures.build(inv, "sm_90,sm_80,sm_90");
        assertArrayEquals(a, b, "target order and duplicates do not matter");
        // written to a file with parallel compiles: still the same bytes
        Path out = tmp.resolve("k.jar");
        KernelBundleWriter.write(inv, BundleTarget.parseList("sm_90,sm_80"), t -> BundleFixtures.fake("fake-" + t.arch()), 4, out);
        assertArrayEquals(a, Files.readAllBytes(out));

        byte[] other = BundleFixtures.build(inv, "sm_80");
        assertFalse(java.util.Arrays.equals(a, other));
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(a))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                assertEquals(KernelBundleWriter.TIMESTAMP, e.getTimeLocal(), e.getName());
                assertEquals(null, e.getExtra(), "no extra fields (extended timestamps): " + e.getName());
            }
        }
    }

    @Test
    void aUnitTwoInventoriesShareIsCompiledOnceWithBothPurposes() {
        KernelInventory again = KernelSources.problems("same problem again", List.of(BundleFixtures.small()),
                List.of(DType.FLOAT32), false);
        int[] compiles = {0};
        KernelBundleWriter.Compiler counting = new KernelBundleWriter.Compiler() {
            @Override
            public String identity() {
                return "fake";
            }

            @Override
            public byte[] compile(KernelSource unit, BundleTarget target) {
                compiles[0]++;
                return BundleFixtures.fakeBinary("fake", target.arch(), unit);
            }
        };
        byte[] jar = KernelBundleWriter.build(List.of(BundleFixtures.smallProblems(), again), BundleTarget.parseList("sm_90"),
                t -> counting);
        assertEquals(3, compiles[0]);
        BundleManifest m = BundleManifest.decode(BundleFixtures.entries(jar).get(KernelBundle.MANIFEST));
        assertEquals(3, m.entries().size());
        assertTrue(m.entries().getFirst().purpose().contains("same problem again: ")
                && m.entries().getFirst().purpose().contains("; test problem: "), m.entries().getFirst().purpose());
    }

    @Test
    void theJarIsAPlainJarThatOpensAsABundle(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("kernels.jar");
        Files.write(out, BundleFixtures.build(List.of(BundleFixtures.smallProblems()), "sm_90"));
        try (JarFile jf = new JarFile(out.toFile())) {
            assertEquals("1", jf.getManifest().getMainAttributes().getValue("E3spark-Kernel-Bundle"));
        }
        try (KernelBundle b = KernelBundle.open(out)) {
            assertEquals(List.of("sm_90"), b.archs());
            KernelSource fwd = KernelSources.tensorProduct(BundleFixtures.small(), DType.FLOAT32, BundleTarget.of("sm_90")).getFirst();
            KernelBundle.Lookup l = b.find(fwd.source(), "sm_90", fwd.options());
            assertTrue(l.hit());
            assertArrayEquals(BundleFixtures.fakeBinary("fake-sm_90", "sm_90", fwd), l.code());
            assertFalse(b.find(fwd.source(), "sm_80", fwd.options()).hit(), "no sm_80 entries");
            assertFalse(b.find(fwd.source() + " ", "sm_90", fwd.options()).hit(), "another source text");
            assertFalse(b.find(fwd.source(), "sm_90", List.of()).hit(), "other options");
        }
    }

    @Test
    void targetsKnowTheirArchitecturesFigures() {
        assertEquals(227 * 1024, BundleTarget.of("sm_90").target().maxSharedMemoryPerBlock());
        assertEquals(99 * 1024, BundleTarget.of("SM_89").target().maxSharedMemoryPerBlock());
        assertEquals(64, BundleTarget.of("gfx90a").target().warpWidth());
        assertEquals(List.of("sm_80", "sm_90", "sm_100", "gfx90a", "gfx942"),
                BundleTarget.parseList("gfx942,sm_100,sm_90,gfx90a,sm_80").stream().map(BundleTarget::arch).toList());
        assertThrows(IllegalArgumentException.class, () -> BundleTarget.of("sm_91"));
        assertThrows(IllegalArgumentException.class, () -> BundleTarget.of("compute_90"));
    }

    @Test
    void manifestFieldsRoundTripThroughEscapes() {
        BundleManifest m = new BundleManifest(BundleManifest.FORMAT, KernelKey.SCHEME, "0.1.0", List.of("a\tb%c\nd"),
                Map.of("sm_90", "nvrtc-13.0"), List.of(new BundleManifest.Entry("sm_90",
                        new KernelKey("a".repeat(64)), "b".repeat(64), 10, "nvrtc-13.0", "p.cu", List.of("--x=1", "-y"), "why")));
        assertEquals(m, BundleManifest.decode(m.encode()));
        assertTrue(LocalDateTime.of(1980, 1, 1, 0, 0).isBefore(KernelBundleWriter.TIMESTAMP));
    }
}
