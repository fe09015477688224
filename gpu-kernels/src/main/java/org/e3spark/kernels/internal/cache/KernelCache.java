package org.e3spark.kernels.internal.cache;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compiled kernels (CUBIN) by {@link KernelKey}: in memory for the process, and on disk so a new
 * executor JVM compiles nothing that any JVM on the host compiled before.
 *
 * <p>In memory, each key is computed once even under concurrent requests: the first caller
 * compiles, the others wait for its result. A failed compile is not remembered.
 *
 * <p>On disk (see {@link CacheDirectory} for which directory and why it must be private), each
 * entry is one file {@code <key>.cubin} in {@link CacheEntryFormat}. Reads verify the payload hash
 * and that the entry belongs to the key its name states; a bad entry is deleted, logged and
 * rebuilt. Writes go to a temporary file in the same directory, are fsynced and renamed with
 * {@code ATOMIC_MOVE}, so concurrent JVMs see either no entry or a whole one. A directory that fails
 * the safety check is not used at all (one warning), and the cache works in memory only.
 *
 * <p>The compile step is the caller's function: this class knows nothing of NVRTC.
 */
public final class KernelCache {

    private static final Logger LOG = LoggerFactory.getLogger(KernelCache.class);
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();
    static final String SUFFIX = ".cubin";

    private final Path directory;
    private final int uid;
    private final ConcurrentMap<KernelKey, CompletableFuture<byte[]>> memory = new ConcurrentHashMap<>();
    private final AtomicLong memoryHits = new AtomicLong();
    private final AtomicLong diskHits = new AtomicLong();
    private final AtomicLong compiles = new AtomicLong();
    private final AtomicLong corruptRebuilt = new AtomicLong();

    /** A cache on {@code directory}, or in memory only if that directory is unsafe (logged once). */
    public KernelCache(Path directory) {
        this(directory, CacheDirectory.currentUid());
    }

    /** For tests: pretend the process runs as {@code expectedUid}. */
    KernelCache(Path directory, int expectedUid) {
        Path dir = directory == null ? null : directory.toAbsolutePath().normalize();
        if (dir != null) {
            String problem = CacheDirectory.prepare(dir, expectedUid);
            if (problem != null) {
                if (WARNED.add(dir + "|" + problem)) {
                    LOG.warn("kernel cache directory refused, compiling in memory only: {}", problem);
                }
                dir = null;
            }
        }
        this.directory = dir;
        this.uid = expectedUid;
    }

    /**
     * The directory is checked again before every read and write: a folder swapped after start (a
     * rename of a folder above it, say) must never serve an entry. A failing check skips the disk
     * for this request (warned once per reason).
     */
    private boolean stillSafe() {
        String problem = CacheDirectory.recheck(directory, uid);
        if (problem == null) {
            return true;
        }
        if (WARNED.add(directory + "|" + problem)) {
            LOG.warn("kernel cache directory no longer safe, not reading or writing it: {}", problem);
        }
        return false;
    }

    /** The cache on the configured or default directory ({@code ~/.cache/e3spark/kernels}). */
    public static KernelCache atDefaultDirectory() {
        return new KernelCache(CacheDirectory.defaultDirectory());
    }

    /** A cache without a disk side. */
    public static KernelCache inMemoryOnly() {
        return new KernelCache(null, -1);
    }

    /** The directory entries are read from and written to; empty when memory only. */
    public Optional<Path> directory() {
        return Optional.ofNullable(directory);
    }

    /**
     * The CUBIN for {@code key}: from memory, else from disk, else from {@code compile} (then stored
     * in both). Returns a copy. Exceptions of {@code compile} propagate to every caller waiting on it.
     */
    public byte[] getOrCompile(KernelKey key, Supplier<byte[]> compile) {
        CompletableFuture<byte[]> mine = new CompletableFuture<>();
        CompletableFuture<byte[]> existing = memory.putIfAbsent(key, mine);
        if (existing != null) {
            byte[] value = await(existing);
            memoryHits.incrementAndGet();
            return value.clone();
        }
        try {
            byte[] value = loadOrCompile(key, compile);
            mine.complete(value);
            return value.clone();
        } catch (RuntimeException | Error e) {
            memory.remove(key, mine);
            mine.completeExceptionally(e);
            throw e;
        }
    }

    public KernelCacheStats stats() {
        return new KernelCacheStats(memoryHits.get(), diskHits.get(), compiles.get(), corruptRebuilt.get());
    }

    /** Where {@code key}'s entry lives (whether or not it exists); empty when memory only. */
    public Optional<Path> entryPath(KernelKey key) {
        return directory().map(d -> d.resolve(key.sha256Hex() + SUFFIX));
    }

    private byte[] loadOrCompile(KernelKey key, Supplier<byte[]> compile) {
        Optional<Path> entry = entryPath(key);
        if (entry.isPresent() && !stillSafe()) {
            entry = Optional.empty();
        }
        if (entry.isPresent()) {
            byte[] cached = readEntry(key, entry.get());
            if (cached != null) {
                diskHits.incrementAndGet();
                return cached;
            }
        }
        byte[] produced = compile.get();
        if (produced == null || produced.length == 0) {
            throw new IllegalStateException("compile step returned no bytes for kernel " + key);
        }
        byte[] compiled = produced.clone();
        compiles.incrementAndGet();
        if (entry.isPresent() && stillSafe()) {
            writeEntry(key, entry.get(), CacheEntryFormat.encode(key, compiled));
        }
        return compiled;
    }

    /** The verified payload, or null when absent or bad (a bad entry is deleted). */
    private byte[] readEntry(KernelKey key, Path path) {
        String problem;
        long limit = CacheEntryFormat.MAX_PAYLOAD + CacheEntryFormat.HEADER_BYTES;
        try {
            // the entry itself, not what a link points to; only a regular file (a FIFO would block the read forever)
            BasicFileAttributes attrs = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            if (!attrs.isRegularFile()) {
                problem = "not a regular file (" + (attrs.isSymbolicLink() ? "a symbolic link" : attrs.isDirectory()
                        ? "a directory" : "a device, FIFO or socket") + ")";
            } else if (attrs.size() > limit) {
                problem = "entry of " + attrs.size() + " bytes is larger than any kernel";
            } else {
                byte[] bytes = readAtMost(path, limit);
                if (bytes == null) {
                    problem = "entry grew past " + limit + " bytes while being read";
                } else {
                    CacheEntryFormat.Decoded decoded = CacheEntryFormat.decode(key, bytes);
                    if (decoded.problem() == null) {
                        return decoded.payload();
                    }
                    problem = decoded.problem();
                }
            }
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            problem = "unreadable: " + e;
        }
        LOG.warn("kernel cache entry {} is bad ({}); deleting and rebuilding it", path, problem);
        corruptRebuilt.incrementAndGet();
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warn("could not delete bad kernel cache entry {}: {}", path, e.toString());
        }
        return null;
    }

    /**
     * Up to {@code limit} bytes of a file opened without following links, or null when it holds more
     * (the size checked before opening may have changed since).
     */
    private static byte[] readAtMost(Path path, long limit) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            long total = 0;
            while (ch.read(buf) >= 0) {
                total += buf.position();
                if (total > limit) {
                    return null;
                }
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            return out.toByteArray();
        }
    }

    /** Temp file in the same directory, fsync, atomic rename, fsync the directory. Failure only logs. */
    private void writeEntry(KernelKey key, Path path, byte[] bytes) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile(path.getParent(), key.sha256Hex() + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    ch.write(buffer);
                }
                ch.force(true);
            }
            Files.move(tmp, path, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
            try (FileChannel dir = FileChannel.open(path.getParent(), StandardOpenOption.READ)) {
                dir.force(true);
            } catch (IOException | UnsupportedOperationException e) {
                LOG.debug("cannot fsync directory {}: {}", path.getParent(), e.toString());
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not write kernel cache entry {}: {}", path, e.toString());
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException e) {
                    LOG.debug("could not delete temporary file {}: {}", tmp, e.toString());
                }
            }
        }
    }

    private static byte[] await(CompletableFuture<byte[]> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw e;
        }
    }
}
