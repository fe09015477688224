package org.e3spark.kernels.bundle;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.e3spark.kernels.internal.cache.KernelKey;

/**
 * Builds a kernel bundle: every {@link KernelSource} of the inventories, generated for each target and
 * compiled there by that target's {@link Compiler}, in one jar:
 * <pre>
 *   META-INF/MANIFEST.MF                         a plain jar manifest (so --jars accepts it)
 *   META-INF/e3spark/kernels/bundle.manifest     {@link BundleManifest}: what every entry is for
 *   META-INF/e3spark/kernels/SHA256SUMS          SHA-256 of the manifest and of every entry ({@code sha256sum -c} reads it)
 *   META-INF/e3spark/kernels/ARCH/KEY.bin        one binary per (kernel, architecture)
 * </pre>
 * Reproducible: the same inventories, targets and compiler outputs give a byte-identical jar. Entries
 * are ordered by architecture (CUDA by number, then AMD) and key, every timestamp is
 * {@link #TIMESTAMP} (a local date-time, written in DOS form only, so no time zone enters), nothing
 * else (build time, host, user) is recorded, and units are compiled in parallel but written in that
 * fixed order. A unit two inventories share is compiled once; its purposes are joined.
 */
public final class KernelBundleWriter {

    /** The timestamp of every jar entry. */
    public static final LocalDateTime TIMESTAMP = LocalDateTime.of(2026, 1, 1, 0, 0, 0);

    /** One architecture's compiler; real ones are NVRTC and hiprtc ({@link BundleCompilers}). */
    public interface Compiler {
        /** Recorded in the manifest and hashed into every key, e.g. {@code nvrtc-13.0}. */
        String identity();

        /** The binary of {@code unit} for {@code target}. */
        byte[] compile(KernelSource unit, BundleTarget target);
    }

    /** What was written: entries per architecture, and the manifest. */
    public record Summary(Map<String, Integer> entriesPerArch, BundleManifest manifest, long bytes) {
    }

    private record Unit(BundleTarget target, KernelKey key, KernelSource source, TreeSet<String> purposes) {
    }

    private KernelBundleWriter() {
    }

    /** Builds the bundle and writes it to {@code output} (through a temporary file and a rename). */
    public static Summary write(List<KernelInventory> inventories, List<BundleTarget> targets,
                                Function<BundleTarget, Compiler> compilers, int threads, Path output) throws IOException {
        Path parent = output.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempFile(parent, output.getFileName().toString(), ".tmp");
        try {
            Summary s;
            try (OutputStream out = Files.newOutputStream(tmp)) {
                s = write(inventories, targets, compilers, threads, out);
            }
            Files.move(tmp, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return s;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The bundle's bytes (tests). */
    public static byte[] build(List<KernelInventory> inventories, List<BundleTarget> targets,
                               Function<BundleTarget, Compiler> compilers) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            write(inventories, targets, compilers, 1, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Builds the bundle onto {@code out}. */
    public static Summary write(List<KernelInventory> inventories, List<BundleTarget> targets,
                                Function<BundleTarget, Compiler> compilers, int threads, OutputStream out) throws IOException {
        List<BundleTarget> sortedTargets = new ArrayList<>(new TreeSet<>(targets));
        Map<String, String> identities = new LinkedHashMap<>();
        Map<String, Compiler> byArch = new LinkedHashMap<>();
        List<Unit> units = new ArrayList<>();
        for (BundleTarget t : sortedTargets) {
            Compiler c = compilers.apply(t);
            identities.put(t.arch(), c.identity());
            byArch.put(t.arch(), c);
            Map<KernelKey, Unit> forArch = new TreeMap<>(Comparator.comparing(KernelKey::sha256Hex));
            for (KernelInventory inv : inventories) {
                for (KernelSource k : inv.sources(t)) {
                    KernelKey key = KernelKey.of(k.source(), t.arch(), c.identity(), k.options());
                    forArch.computeIfAbsent(key, x -> new Unit(t, key, k, new TreeSet<>())).purposes().add(k.purpose());
                }
            }
            units.addAll(forArch.values());
        }
        List<byte[]> binaries = compileAll(units, byArch, threads);

        List<BundleManifest.Entry> entries = new ArrayList<>();
        for (int i = 0; i < units.size(); i++) {
            Unit u = units.get(i);
            byte[] b = binaries.get(i);
            entries.add(new BundleManifest.Entry(u.target().arch(), u.key(), KernelBundle.sha256Hex(b), b.length,
                    identities.get(u.target().arch()), u.source().programName(), u.source().options(),
                    String.join("; ", u.purposes())));
        }
        List<String> inputs = inventories.stream().map(KernelInventory::describe).toList();
        BundleManifest manifest = new BundleManifest(BundleManifest.FORMAT, KernelKey.SCHEME,
                BundleManifest.runningE3sparkVersion(), inputs, identities, entries);
        byte[] manifestBytes = manifest.encode();
        StringBuilder sums = new StringBuilder();
        sums.append(KernelBundle.sha256Hex(manifestBytes)).append("  ").append(KernelBundle.MANIFEST).append('\n');
        for (BundleManifest.Entry e : entries) {
            sums.append(e.sha256Hex()).append("  ").append(e.path()).append('\n');
        }

        CountingStream counting = new CountingStream(out);
        ZipOutputStream zip = new ZipOutputStream(counting);
        put(zip, "META-INF/MANIFEST.MF", ("Manifest-Version: 1.0\r\nCreated-By: e3spark kernels bundle\r\n"
                + "E3spark-Kernel-Bundle: " + BundleManifest.FORMAT + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        put(zip, KernelBundle.MANIFEST, manifestBytes);
        put(zip, KernelBundle.SUMS, sums.toString().getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < units.size(); i++) {
            put(zip, entries.get(i).path(), binaries.get(i));
        }
        zip.finish();
        zip.flush();
        Map<String, Integer> perArch = new LinkedHashMap<>();
        sortedTargets.forEach(t -> perArch.put(t.arch(), 0));
        entries.forEach(e -> perArch.merge(e.arch(), 1, Integer::sum));
        return new Summary(perArch, manifest, counting.count);
    }

    private static List<byte[]> compileAll(List<Unit> units, Map<String, Compiler> byArch, int threads) throws IOException {
        List<byte[]> out = new ArrayList<>();
        if (threads <= 1) {
            for (Unit u : units) {
                out.add(compileOne(u, byArch));
            }
            return out;
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<byte[]>> jobs = new ArrayList<>();
            for (Unit u : units) {
                jobs.add(pool.submit(() -> compileOne(u, byArch)));
            }
            for (Future<byte[]> f : jobs) {
                out.add(f.get());
            }
            return out;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            pool.shutdownNow();
        }
    }

    private static byte[] compileOne(Unit u, Map<String, Compiler> byArch) {
        byte[] b = byArch.get(u.target().arch()).compile(u.source(), u.target());
        if (b == null || b.length == 0) {
            throw new IllegalStateException("compiler returned no bytes for " + u.source().programName() + " on "
                    + u.target().arch());
        }
        return b.clone();
    }

    private static void put(ZipOutputStream zip, String name, byte[] bytes) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setTimeLocal(TIMESTAMP);
        zip.putNextEntry(e);
        zip.write(bytes);
        zip.closeEntry();
    }

    private static final class CountingStream extends java.io.FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
