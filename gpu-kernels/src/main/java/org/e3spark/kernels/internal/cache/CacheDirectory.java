package org.e3spark.kernels.internal.cache;

import java.nio.file.Path;
import org.e3spark.kernels.internal.PrivateDirectory;

/**
 * Where the disk cache lives and whether it is safe to use. CUBIN from the cache is loaded and run
 * on the GPU, so a directory someone else can write to is a code-injection path: the directory must
 * be owned by this process's user and not group- or world-writable, and so must every folder above it
 * that another user could rename ({@link PrivateDirectory}). One we create is created 0700.
 */
final class CacheDirectory {

    static final String PROPERTY = "e3spark.kernel.cache.dir";
    static final String ENV = "E3SPARK_KERNEL_CACHE_DIR";

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
     * Creates {@code dir} (0700, with any missing parents) if absent and checks it and every
     * component above it ({@link PrivateDirectory}). Returns null when it is safe to use, else the
     * reason it is not.
     */
    static String prepare(Path dir, int expectedUid) {
        return PrivateDirectory.prepare(dir, expectedUid, false);
    }

    /** The same check without creating anything, for every use after start (a folder may be swapped). */
    static String recheck(Path dir, int expectedUid) {
        return PrivateDirectory.problem(dir, expectedUid, false);
    }

    /** This process's uid. */
    static int currentUid() {
        return PrivateDirectory.currentUid();
    }
}
