package org.e3spark.kernels.bundle;

import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import org.e3spark.kernels.internal.cache.KernelKey;

/**
 * One opened, verified kernel bundle (a jar {@link KernelBundleWriter} wrote). Opening checks the
 * manifest ({@link BundleManifest#decode}: format, key scheme, per-entry compiler against the
 * manifest's compiler of that architecture) and the hash list: {@code SHA256SUMS} must name the
 * manifest's own SHA-256 and, for every entry, the SHA-256 the manifest names, and nothing else.
 * Each entry's payload is hashed again when it is read, before anyone loads it: a tampered or torn
 * entry is refused ({@link Lookup#refused}), never returned.
 *
 * <p>The hash list is an integrity check (a torn download, a corrupted copy, an edited entry), not
 * a signature: whoever can rewrite the jar can rewrite the list too. Ship bundles the way the
 * application jar is shipped, or sign the jar with {@code jarsigner}.
 *
 * <p><b>Lookup key.</b> An entry is found by {@link KernelKey#of} of (source, architecture,
 * compiler identity, options), that is, by exactly the key today's disk cache gives the binary,
 * with the compiler identity taken from this bundle's manifest ({@code compiler} record of the
 * architecture) instead of from the local NVRTC. An executor with a driver but no NVRTC therefore
 * finds entries without asking any compiler for its version, and an entry can only be hit by the
 * source text, options and architecture it was compiled from.
 */
public final class KernelBundle implements Closeable {

    public static final String DIR = "META-INF/e3spark/kernels/";
    public static final String MANIFEST = DIR + "bundle.manifest";
    public static final String SUMS = DIR + "SHA256SUMS";

    /** What a lookup found: the verified binary, nothing ({@code code} and {@code refused} null), or a refusal. */
    public static final class Lookup {
        static final Lookup MISS = new Lookup(null, null, null);

        private final byte[] code;
        private final BundleManifest.Entry entry;
        private final String refused;

        Lookup(byte[] code, BundleManifest.Entry entry, String refused) {
            this.code = code;
            this.entry = entry;
            this.refused = refused;
        }

        public boolean hit() {
            return code != null;
        }

        /** A copy of the verified binary; null unless {@link #hit()}. */
        public byte[] code() {
            return code == null ? null : code.clone();
        }

        /** The manifest entry found (also for a refusal); null for a miss. */
        public BundleManifest.Entry entry() {
            return entry;
        }

        /** Why the entry was refused; null for a hit or a miss. */
        public String refused() {
            return refused;
        }
    }

    private interface Entries extends Closeable {
        byte[] read(String path) throws IOException;
    }

    private final String origin;
    private final BundleManifest manifest;
    private final Map<KernelKey, BundleManifest.Entry> byKey = new HashMap<>();
    private final Entries entries;

    private KernelBundle(String origin, Entries entries) {
        this.origin = origin;
        this.entries = entries;
        try {
            byte[] manifestBytes = entries.read(MANIFEST);
            if (manifestBytes == null) {
                throw new BundleRefusedException("no " + MANIFEST + " (not an e3spark kernel bundle)");
            }
            byte[] sumsBytes = entries.read(SUMS);
            if (sumsBytes == null) {
                throw new BundleRefusedException("no hash list " + SUMS);
            }
            Map<String, String> sums = parseSums(sumsBytes);
            if (!sha256Hex(manifestBytes).equals(sums.get(MANIFEST))) {
                throw new BundleRefusedException("the manifest's SHA-256 is not the one the hash list names");
            }
            this.manifest = BundleManifest.decode(manifestBytes);
            checkSums(sums);
            for (BundleManifest.Entry e : manifest.entries()) {
                if (byKey.put(e.key(), e) != null) {
                    throw new BundleRefusedException("two entries with key " + e.key());
                }
            }
        } catch (IOException e) {
            closeQuietly();
            throw new BundleRefusedException("unreadable: " + e, e);
        } catch (RuntimeException e) {
            closeQuietly();
            throw e;
        }
    }

    /** Opens and verifies the bundle jar at {@code jar}. */
    public static KernelBundle open(Path jar) {
        ZipFile zip;
        try {
            zip = new ZipFile(jar.toFile());
        } catch (NoSuchFileException e) {
            throw new BundleRefusedException("no such file");
        } catch (IOException e) {
            throw new BundleRefusedException(Files.exists(jar) ? "not a readable jar: " + e : "no such file", e);
        }
        return new KernelBundle(jar.toString(), new Entries() {
            @Override
            public byte[] read(String path) throws IOException {
                ZipEntry e = zip.getEntry(path);
                if (e == null) {
                    return null;
                }
                try (InputStream in = zip.getInputStream(e)) {
                    return in.readAllBytes();
                }
            }

            @Override
            public void close() throws IOException {
                zip.close();
            }
        });
    }

    /**
     * Opens the bundle whose manifest a class loader found at {@code manifestUrl}: a jar on the class
     * path ({@code --jars}) is opened as a file; anything else (a nested or remote jar) is read into
     * memory once.
     */
    public static KernelBundle open(URL manifestUrl) {
        try {
            URLConnection c = manifestUrl.openConnection();
            if (c instanceof JarURLConnection jc) {
                URL jarUrl = jc.getJarFileURL();
                if ("file".equals(jarUrl.getProtocol())) {
                    return open(Path.of(jarUrl.toURI()));
                }
                try (InputStream in = jarUrl.openStream()) {
                    return inMemory(jarUrl.toString(), in.readAllBytes());
                }
            }
            if ("file".equals(manifestUrl.getProtocol())) { // an unpacked bundle on a class directory path
                Path root = Path.of(manifestUrl.toURI());
                for (int i = 0; i < MANIFEST.split("/").length; i++) {
                    root = root.getParent();
                }
                Path base = root;
                return new KernelBundle(base.toString(), new Entries() {
                    @Override
                    public byte[] read(String path) throws IOException {
                        Path p = base.resolve(path);
                        return Files.isRegularFile(p) ? Files.readAllBytes(p) : null;
                    }

                    @Override
                    public void close() {
                    }
                });
            }
            throw new BundleRefusedException("cannot read a bundle from " + manifestUrl);
        } catch (IOException e) {
            throw new BundleRefusedException("unreadable: " + e, e);
        } catch (URISyntaxException e) {
            throw new BundleRefusedException("bad location " + manifestUrl, e);
        }
    }

    /** A bundle from the bytes of its jar (tests, and jars that are not files). */
    public static KernelBundle inMemory(String origin, byte[] jar) {
        Map<String, byte[]> content = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(jar))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                if (content.put(e.getName(), in.readAllBytes()) != null) {
                    throw new BundleRefusedException("jar has two entries named " + e.getName());
                }
            }
        } catch (IOException e) {
            throw new BundleRefusedException("not a readable jar: " + e, e);
        }
        return new KernelBundle(origin, new Entries() {
            @Override
            public byte[] read(String path) {
                byte[] b = content.get(path);
                return b == null ? null : b.clone();
            }

            @Override
            public void close() {
            }
        });
    }

    public String origin() {
        return origin;
    }

    public BundleManifest manifest() {
        return manifest;
    }

    /** The architectures this bundle has a compiler (and so entries) for. */
    public List<String> archs() {
        return List.copyOf(manifest.compilers().keySet());
    }

    /** The lookup key of a kernel in this bundle, or null when the bundle has nothing for {@code arch}. */
    public KernelKey keyOf(String source, String arch, List<String> options) {
        String compiler = manifest.compilers().get(arch);
        return compiler == null ? null : KernelKey.of(source, arch, compiler, options);
    }

    /** The verified binary of a kernel, a miss, or a refusal (tampered, torn or missing entry). */
    public Lookup find(String source, String arch, List<String> options) {
        KernelKey key = keyOf(source, arch, options);
        if (key == null) {
            return Lookup.MISS;
        }
        BundleManifest.Entry e = byKey.get(key);
        if (e == null) {
            return Lookup.MISS;
        }
        byte[] code;
        try {
            code = entries.read(e.path());
        } catch (IOException ex) {
            return new Lookup(null, e, "entry " + e.path() + " unreadable: " + ex);
        } catch (UncheckedIOException | IllegalStateException ex) {
            return new Lookup(null, e, "entry " + e.path() + " unreadable: " + ex);
        }
        if (code == null) {
            return new Lookup(null, e, "entry " + e.path() + " is listed in the manifest but absent from the jar");
        }
        if (code.length != e.size() || !sha256Hex(code).equals(e.sha256Hex())) {
            return new Lookup(null, e, "entry " + e.path() + " fails its SHA-256 check (" + code.length + " bytes, manifest says "
                    + e.size() + "): tampered or corrupted");
        }
        return new Lookup(code, e, null);
    }

    private static Map<String, String> parseSums(byte[] sums) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : new String(sums, StandardCharsets.UTF_8).split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            int sp = line.indexOf("  ");
            if (sp != 64) {
                throw new BundleRefusedException("malformed hash list line '" + line + "'");
            }
            if (out.put(line.substring(66), line.substring(0, 64)) != null) {
                throw new BundleRefusedException("hash list names " + line.substring(66) + " twice");
            }
        }
        return out;
    }

    private void checkSums(Map<String, String> sums) {
        if (sums.size() != manifest.entries().size() + 1) {
            throw new BundleRefusedException("the hash list names " + (sums.size() - 1) + " entries, the manifest "
                    + manifest.entries().size());
        }
        for (BundleManifest.Entry e : manifest.entries()) {
            if (!e.sha256Hex().equals(sums.get(e.path()))) {
                throw new BundleRefusedException("entry " + e.path() + ": the hash list and the manifest disagree");
            }
        }
    }

    static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    private void closeQuietly() {
        try {
            entries.close();
        } catch (IOException e) {
            // already failing
        }
    }

    @Override
    public void close() {
        closeQuietly();
    }

    @Override
    public String toString() {
        return origin + " (" + String.join(",", archs()) + ")";
    }
}
