package org.e3spark.kernels.internal.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cache with a deterministic byte-producing compile step: these tests are about the cache,
 * so the compiler is the caller's function, as in production.
 */
class KernelCacheTest {

    @TempDir
    Path tmp;

    private final AtomicInteger compileCalls = new AtomicInteger();

    private static KernelKey key(String source) {
        return KernelKey.of(source, "sm_90", "test-compiler-1", List.of("-O3"));
    }

    /** Bytes that depend only on the source, long enough to have a payload worth corrupting. */
    private static byte[] fakeCubin(String source) {
        byte[] seed = source.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[4096 + seed.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) (seed[i % seed.length] * 31 + i);
        }
        return out;
    }

    private Supplier<byte[]> compiler(String source) {
        return () -> {
            compileCalls.incrementAndGet();
            return fakeCubin(source);
        };
    }

    private Path cacheDir() {
        return tmp.resolve("kernels");
    }

    @Test
    void coldRequestCompilesAndWarmRequestIsAMemoryHit() {
        KernelCache cache = new KernelCache(cacheDir());
        byte[] first = cache.getOrCompile(key("a"), compiler("a"));
        byte[] second = cache.getOrCompile(key("a"), compiler("a"));
        assertArrayEquals(fakeCubin("a"), first);
        assertArrayEquals(first, second);
        assertEquals(new KernelCacheStats(1, 0, 1, 0), cache.stats());
        assertEquals(1, compileCalls.get());
    }

    @Test
    void newInstanceOnTheSameDirectoryReadsFromDiskAndCompilesNothing() {
        new KernelCache(cacheDir()).getOrCompile(key("a"), compiler("a"));
        KernelCache restarted = new KernelCache(cacheDir());
        assertArrayEquals(fakeCubin("a"), restarted.getOrCompile(key("a"), compiler("a")));
        assertArrayEquals(fakeCubin("a"), restarted.getOrCompile(key("a"), compiler("a")));
        assertEquals(new KernelCacheStats(1, 1, 0, 0), restarted.stats());
        assertEquals(1, compileCalls.get());
    }

    @Test
    void corruptedPayloadByteIsDetectedDeletedAndRebuilt() throws IOException {
        KernelCache cache = new KernelCache(cacheDir());
        cache.getOrCompile(key("a"), compiler("a"));
        Path entry = cache.entryPath(key("a")).orElseThrow();
        byte[] bytes = Files.readAllBytes(entry);
        bytes[bytes.length - 100] ^= 0x01;
        Files.write(entry, bytes);

        KernelCache restarted = new KernelCache(cacheDir());
        assertArrayEquals(fakeCubin("a"), restarted.getOrCompile(key("a"), compiler("a")));
        assertEquals(new KernelCacheStats(0, 0, 1, 1), restarted.stats());
        KernelCache third = new KernelCache(cacheDir());
        third.getOrCompile(key("a"), compiler("a"));
        assertEquals(new KernelCacheStats(0, 1, 0, 0), third.stats(), "the rebuilt entry is good again");
    }

    @Test
    void truncatedEntryIsRebuilt() throws IOException {
        KernelCache cache = new KernelCache(cacheDir());
        cache.getOrCompile(key("a"), compiler("a"));
        Path entry = cache.entryPath(key("a")).orElseThrow();
        for (int keep : new int[] {0, 50, (int) Files.size(entry) - 1}) {
            byte[] bytes = Files.readAllBytes(entry);
            Files.write(entry, java.util.Arrays.copyOf(bytes, Math.min(keep, bytes.length)));
            KernelCache restarted = new KernelCache(cacheDir());
            assertArrayEquals(fakeCubin("a"), restarted.getOrCompile(key("a"), compiler("a")));
            assertEquals(new KernelCacheStats(0, 0, 1, 1), restarted.stats(), "kept " + keep + " bytes");
        }
    }

    @Test
    void entryFiledUnderAnotherKeysNameIsRejectedAndRebuilt() throws IOException {
        KernelCache cache = new KernelCache(cacheDir());
        cache.getOrCompile(key("a"), compiler("a"));
        Files.copy(cache.entryPath(key("a")).orElseThrow(), cache.entryPath(key("b")).orElseThrow());

        KernelCache restarted = new KernelCache(cacheDir());
        assertArrayEquals(fakeCubin("b"), restarted.getOrCompile(key("b"), compiler("b")));
        assertEquals(new KernelCacheStats(0, 0, 1, 1), restarted.stats());
    }

    @Test
    void createdDirectoryIsPrivateToTheOwner() throws IOException {
        new KernelCache(cacheDir());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(cacheDir())));
    }

    @Test
    void groupOrWorldWritableDirectoryIsRefusedAndTheCacheWorksInMemory() throws IOException {
        for (String perms : new String[] {"rwxrwx---", "rwx---rwx"}) {
            Path dir = Files.createDirectories(tmp.resolve("loose-" + perms));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(perms));
            KernelCache cache = new KernelCache(dir);
            assertTrue(cache.directory().isEmpty(), perms);
            cache.getOrCompile(key("a"), compiler("a"));
            cache.getOrCompile(key("a"), compiler("a"));
            assertEquals(new KernelCacheStats(1, 0, 1, 0), cache.stats());
            try (Stream<Path> files = Files.list(dir)) {
                assertEquals(0, files.count(), "nothing written to a refused directory");
            }
        }
    }

    @Test
    void directoryOwnedByAnotherUserIsNotReadFrom() throws IOException {
        new KernelCache(cacheDir()).getOrCompile(key("a"), compiler("a"));
        KernelCache foreign = new KernelCache(cacheDir(), CacheDirectory.currentUid() + 1);
        assertTrue(foreign.directory().isEmpty());
        foreign.getOrCompile(key("a"), compiler("a"));
        assertEquals(new KernelCacheStats(0, 0, 1, 0), foreign.stats(), "compiled rather than trusting the entry");
    }

    @Test
    void concurrentRequestsForOneKeyCompileOnce() throws Exception {
        KernelCache cache = new KernelCache(cacheDir());
        int threads = 16;
        CountDownLatch start = new CountDownLatch(1);
        Supplier<byte[]> slow = () -> {
            compileCalls.incrementAndGet();
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return fakeCubin("a");
        };
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<byte[]>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return cache.getOrCompile(key("a"), slow);
                }));
            }
            start.countDown();
            for (Future<byte[]> r : results) {
                assertArrayEquals(fakeCubin("a"), r.get(30, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, compileCalls.get());
        assertEquals(new KernelCacheStats(threads - 1, 0, 1, 0), cache.stats());
    }

    @Test
    void failedCompileIsReportedAndNotRemembered() {
        KernelCache cache = new KernelCache(cacheDir());
        IllegalStateException boom = new IllegalStateException("compiler said no");
        assertSame(boom, assertThrows(IllegalStateException.class,
                () -> cache.getOrCompile(key("a"), () -> {
                    throw boom;
                })));
        assertArrayEquals(fakeCubin("a"), cache.getOrCompile(key("a"), compiler("a")));
        assertEquals(new KernelCacheStats(0, 0, 1, 0), cache.stats());
    }

    @Test
    void writesAreAtomicAndLeaveNoTemporaryFiles() throws IOException {
        KernelCache cache = new KernelCache(cacheDir());
        for (String s : List.of("a", "b", "c")) {
            cache.getOrCompile(key(s), compiler(s));
        }
        try (Stream<Path> files = Files.list(cacheDir())) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(3, names.size(), names.toString());
            assertTrue(names.stream().allMatch(n -> n.matches("[0-9a-f]{64}\\.cubin")), names.toString());
        }
    }

    @Test
    void anExistingEntryIsReplacedAtomicallyByARebuild() throws IOException {
        KernelCache cache = new KernelCache(cacheDir());
        cache.getOrCompile(key("a"), compiler("a"));
        Path entry = cache.entryPath(key("a")).orElseThrow();
        Path stale = tmp.resolve("stale");
        Files.write(stale, new byte[] {1, 2, 3});
        Files.move(stale, entry, StandardCopyOption.REPLACE_EXISTING);
        new KernelCache(cacheDir()).getOrCompile(key("a"), compiler("a"));
        assertEquals(CacheEntryFormat.HEADER_BYTES + fakeCubin("a").length, Files.size(entry));
    }

    @Test
    void returnedBytesAreCopiesTheCallerMayChange() {
        KernelCache cache = KernelCache.inMemoryOnly();
        byte[] first = cache.getOrCompile(key("a"), compiler("a"));
        first[0] ^= 0x7f;
        assertArrayEquals(fakeCubin("a"), cache.getOrCompile(key("a"), compiler("a")));
        assertFalse(cache.directory().isPresent());
    }

    @Test
    void configuredDirectoryPropertyWinsOverTheDefault() {
        String old = System.getProperty(CacheDirectory.PROPERTY);
        try {
            System.setProperty(CacheDirectory.PROPERTY, tmp.resolve("configured").toString());
            assertEquals(tmp.resolve("configured"), CacheDirectory.defaultDirectory());
            System.clearProperty(CacheDirectory.PROPERTY);
            assertTrue(CacheDirectory.defaultDirectory().endsWith(Path.of("e3spark", "kernels")));
        } finally {
            if (old == null) {
                System.clearProperty(CacheDirectory.PROPERTY);
            } else {
                System.setProperty(CacheDirectory.PROPERTY, old);
            }
        }
    }

    @Test
    void aLooseOrForeignFolderAboveTheCacheIsRefused() throws IOException {
        // the folder itself is private, but anyone can rename the world-writable folder above it
        Path loose = Files.createDirectories(tmp.resolve("loose-parent"));
        Files.setPosixFilePermissions(loose, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path dir = Files.createDirectories(loose.resolve("kernels"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        KernelCache cache = new KernelCache(dir);
        assertTrue(cache.directory().isEmpty(), "a world-writable parent without the sticky bit is a way in");
        assertTrue(org.e3spark.kernels.internal.PrivateDirectory.problem(dir, CacheDirectory.currentUid(), false)
                .contains("loose-parent (an ancestor of"));
        // a symlinked parent: judged by its real path (here safe, so accepted), and the link's owner
        Path real = Files.createDirectories(tmp.resolve("real"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
        assertTrue(new KernelCache(link.resolve("kernels")).directory().isPresent());
        // the real path's loose folder is found through the link
        Path viaLink = Files.createSymbolicLink(tmp.resolve("to-loose"), loose);
        assertTrue(new KernelCache(viaLink.resolve("kernels")).directory().isEmpty());
    }

    @Test
    void aFolderSwappedAfterStartServesNoEntry() throws IOException {
        Path dir = cacheDir();
        KernelCache cache = new KernelCache(dir);
        assertTrue(cache.directory().isPresent());
        // someone else's folder (here: one that became world-writable) now stands at the path, holding an entry
        new KernelCache(dir).getOrCompile(key("a"), compiler("a"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        cache.getOrCompile(key("a"), compiler("a"));
        assertEquals(new KernelCacheStats(0, 0, 1, 0), cache.stats(), "compiled, not read from the swapped folder");
        assertEquals(2, compileCalls.get());
    }

    @Test
    void onlyRegularFilesAreReadAsEntries() throws Exception {
        KernelCache cache = new KernelCache(cacheDir());
        Path entry = cache.entryPath(key("a")).orElseThrow();
        // a FIFO planted as an entry blocked the reader forever
        Process mk = new ProcessBuilder("mkfifo", entry.toString()).start();
        assertEquals(0, mk.waitFor());
        java.util.concurrent.CompletableFuture<byte[]> read = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> cache.getOrCompile(key("a"), compiler("a")));
        assertArrayEquals(fakeCubin("a"), read.get(20, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals(new KernelCacheStats(0, 0, 1, 1), cache.stats(), "the FIFO counted as a bad entry");
        assertTrue(Files.isRegularFile(entry, java.nio.file.LinkOption.NOFOLLOW_LINKS), "replaced by a real entry");
        // a symlink to a valid entry elsewhere is not followed
        KernelCache other = new KernelCache(tmp.resolve("other"));
        other.getOrCompile(key("b"), compiler("b"));
        Path planted = cache.entryPath(key("b")).orElseThrow();
        Files.createSymbolicLink(planted, other.entryPath(key("b")).orElseThrow());
        cache.getOrCompile(key("b"), compiler("b"));
        assertEquals(2, cache.stats().compiles(), "compiled rather than following the link");
        assertTrue(Files.isRegularFile(other.entryPath(key("b")).orElseThrow()), "the link's target is untouched");
    }
}
