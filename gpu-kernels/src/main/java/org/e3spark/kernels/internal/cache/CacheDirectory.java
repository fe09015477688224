package org.e3spark.kernels.internal.cache;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Where the disk cache lives and whether it is safe to use. CUBIN from the cache is loaded and run
 * on the GPU, so a directory someone else can write to is a code-injection path: the directory must
 * be owned by this process's user and not group- or world-writable. One we create is created 0700.
 */
final class CacheDirectory {

    static final String PROPERTY = "e3spark.kernel.cache.dir";
    static final String ENV = "E3SPARK_KERNEL_CACHE_DIR";

    private static volatile Integer currentUid;

    private CacheDirectory() {
    }

    /**
     * The configured directory (system property {@value #PROPERTY}, else environment {@value #ENV}),
     * else {@code $XDG_CACHE_HOME/e3spark/kernels}, else {@code ~/.cache/e3spark/kernels}.
     */
    static Path defaultDirectory() {
        String configured = System.getProperty(PROPERTY);
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(ENV);
        }
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured.trim());
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() && Path.of(xdg).isAbsolute()
                ? Path.of(xdg)
                : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("e3spark").resolve("kernels");
    }

    /**
     * Creates {@code dir} (0700) if absent and checks it. Returns null when it is safe to use, else
     * the reason it is not.
     */
    static String prepare(Path dir, int expectedUid) {
        try {
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(
                        PosixFilePermissions.fromString("rwx------")));
            }
            if (Files.isSymbolicLink(dir)) {
                return dir + " is a symbolic link";
            }
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                return dir + " is not a directory";
            }
            int owner = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            if (owner != expectedUid) {
                return dir + " is owned by uid " + owner + ", not by this process's uid " + expectedUid;
            }
            Set<PosixFilePermission> perms = Files.readAttributes(dir, PosixFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS).permissions();
            if (perms.contains(PosixFilePermission.GROUP_WRITE) || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
                return dir + " is group- or world-writable (" + PosixFilePermissions.toString(perms) + ")";
            }
            return null;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            return dir + " cannot be used: " + e;
        }
    }

    /** This process's uid, read from a file it creates (portable across Unixes, no /proc needed). */
    static int currentUid() {
        Integer uid = currentUid;
        if (uid == null) {
            try {
                Path probe = Files.createTempFile("e3spark-uid", ".probe");
                try {
                    uid = (Integer) Files.getAttribute(probe, "unix:uid");
                } finally {
                    Files.deleteIfExists(probe);
                }
            } catch (IOException | UnsupportedOperationException e) {
                throw new IllegalStateException("cannot determine this process's uid", e);
            }
            currentUid = uid;
        }
        return uid;
    }
}
