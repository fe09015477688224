package org.e3spark.kernels.bundle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.cuda.KernelSources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a bundle must pass before anything of it is used: manifest, hash list, every entry's hash. */
class BundleVerificationTest {

    private static final byte[] JAR = BundleFixtures.build(List.of(BundleFixtures.smallProblems()), "sm_80,sm_90");

    private static KernelSource forward() {
        return KernelSources.tensorProduct(BundleFixtures.small(), DType.FLOAT32, BundleTarget.of("sm_90")).getFirst();
    }

    private static String refusal(byte[] jar) {
        return assertThrows(BundleRefusedException.class, () -> KernelBundle.inMemory("t.jar", jar)).getMessage();
    }

    @Test
    void aTamperedEntryIsRefusedAndOnlyThatEntry() {
        KernelSource fwd = forward();
        String path;
        try (KernelBundle b = KernelBundle.inMemory("t.jar", JAR)) {
            path = b.find(fwd.source(), "sm_90", fwd.options()).entry().path();
        }
        byte[] tampered = BundleFixtures.rewrite(JAR, (name, bytes) -> {
            if (!name.equals(path)) {
                return bytes;
            }
            byte[] c = bytes.clone();
            c[c.length / 2] ^= 1;
            return c;
        });
        KernelBundles bundles = new KernelBundles(List.of(KernelBundle.inMemory("tampered.jar", tampered)));
        KernelBundle.Lookup l = bundles.bundles().getFirst().find(fwd.source(), "sm_90", fwd.options());
        assertFalse(l.hit());
        assertTrue(l.refused().contains("SHA-256"), l.refused());
        assertNull(bundles.find(fwd.programName(), fwd.source(), "sm_90", fwd.options()));
        assertNull(bundles.find(fwd.programName(), fwd.source(), "sm_90", fwd.options()), "refused again, not retried");
        assertEquals(1, bundles.refusals());
        KernelSource fwd80 = KernelSources.tensorProduct(BundleFixtures.small(), DType.FLOAT32, BundleTarget.of("sm_80")).getFirst();
        assertTrue(bundles.find(fwd80.programName(), fwd80.source(), "sm_80", fwd80.options()) != null,
                "the untouched sm_80 entry is still served");
    }

    @Test
    void aMissingOrTruncatedEntryIsRefused() {
        KernelSource fwd = forward();
        String path = KernelBundle.inMemory("t.jar", JAR).find(fwd.source(), "sm_90", fwd.options()).entry().path();
        byte[] dropped = BundleFixtures.rewrite(JAR, (name, bytes) -> name.equals(path) ? null : bytes);
        assertTrue(KernelBundle.inMemory("t.jar", dropped).find(fwd.source(), "sm_90", fwd.options()).refused().contains("absent"));
        byte[] cut = BundleFixtures.rewrite(JAR, (name, bytes) -> name.equals(path) ? java.util.Arrays.copyOf(bytes, 5) : bytes);
        assertTrue(KernelBundle.inMemory("t.jar", cut).find(fwd.source(), "sm_90", fwd.options()).refused().contains("SHA-256"));
    }

    @Test
    void anEditedManifestOrHashListRefusesTheWholeBundle() {
        // an entry's hash changed in the manifest only: the manifest no longer has the hash the list names
        assertTrue(refusal(BundleFixtures.editText(JAR, KernelBundle.MANIFEST, s -> s.replace("fake-sm_90", "fake-sm_9X")))
                .contains("manifest's SHA-256"));
        // the list edited to match a swapped entry hash
        assertTrue(refusal(BundleFixtures.editText(JAR, KernelBundle.SUMS, s -> s.replaceFirst("\n[0-9a-f]", "\n0")))
                .contains("disagree"));
        assertTrue(refusal(BundleFixtures.rewrite(JAR, (n, b) -> n.equals(KernelBundle.SUMS) ? null : b)).contains("hash list"));
        assertTrue(refusal(BundleFixtures.rewrite(JAR, (n, b) -> n.equals(KernelBundle.MANIFEST) ? null : b))
                .contains("not an e3spark kernel bundle"));
        assertTrue(refusal("not a zip".getBytes()).length() > 0);
    }

    @Test
    void aForeignOrOlderManifestIsRefused() {
        assertTrue(refusal(BundleFixtures.editManifestConsistently(JAR, s -> s.replace(BundleManifest.MAGIC, "other-bundle")))
                .contains("foreign"));
        assertTrue(refusal(BundleFixtures.editManifestConsistently(JAR, s -> s.replaceFirst("\t1\n", "\t0\n")))
                .contains("format 0 (older)"));
        assertTrue(refusal(BundleFixtures.editManifestConsistently(JAR, s -> s.replaceFirst("\t1\n", "\t2\n")))
                .contains("(newer)"));
        assertTrue(refusal(BundleFixtures.editManifestConsistently(JAR, s -> s.replace("e3spark-kernel-key-v1", "e3spark-kernel-key-v0")))
                .contains("derived by 'e3spark-kernel-key-v0'"));
        // an entry whose recorded compiler is not its architecture's
        assertTrue(refusal(BundleFixtures.editManifestConsistently(JAR, s -> s.replace("compiler\tsm_90\tfake-sm_90",
                "compiler\tsm_90\tnvrtc-12.0"))).contains("compiled by 'fake-sm_90'"));
    }

    @Test
    void refusedBundlesAreLeftOutAndTheRestServe(@TempDir Path tmp) throws Exception {
        Path good = tmp.resolve("good.jar");
        Path bad = tmp.resolve("bad.jar");
        Files.write(good, JAR);
        Files.write(bad, BundleFixtures.editManifestConsistently(JAR, s -> s.replaceFirst("\t1\n", "\t0\n")));
        KernelBundles bundles = KernelBundles.none();
        assertFalse(bundles.add(bad));
        assertFalse(bundles.add(tmp.resolve("absent.jar")));
        assertTrue(bundles.add(good));
        assertFalse(bundles.add(good), "added once");
        KernelSource fwd = forward();
        assertArrayEquals(BundleFixtures.fakeBinary("fake-sm_90", "sm_90", fwd),
                bundles.find(fwd.programName(), fwd.source(), "sm_90", fwd.options()));
        assertEquals(1, bundles.hits());
    }

    @Test
    void bundlesOnTheClassPathAreFound(@TempDir Path tmp) throws Exception {
        Path jar = tmp.resolve("kernels.jar");
        Files.write(jar, JAR);
        try (URLClassLoader loader = new URLClassLoader(new URL[]{jar.toUri().toURL()}, null)) {
            KernelBundles bundles = KernelBundles.none();
            bundles.addFromClassPath(loader);
            assertEquals(1, bundles.bundles().size());
            assertEquals(List.of("sm_80", "sm_90"), bundles.archs());
            bundles.add(jar);
            assertEquals(1, bundles.bundles().size(), "the same jar named by path is not opened twice");
        }
    }

    @Test
    void configuredPathsSplitOnCommasAndThePathSeparator() {
        assertEquals(List.of("/a.jar", "/b.jar", "c.jar"), KernelBundles.configuredPaths(" /a.jar,/b.jar:c.jar ", "env.jar"));
        assertEquals(List.of("env.jar"), KernelBundles.configuredPaths("", "env.jar"));
        assertEquals(List.of(), KernelBundles.configuredPaths(null, null));
    }
}
