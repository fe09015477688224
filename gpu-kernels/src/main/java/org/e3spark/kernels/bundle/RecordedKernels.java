package org.e3spark.kernels.bundle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.e3spark.kernels.internal.cache.KernelKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kernels a run asked for, written down so a bundle can hold exactly them: with
 * {@code -D}{@value #PROPERTY}{@code =DIR} every translation unit the CUDA path requests (compiled,
 * cached or bundled) is written once to {@code DIR/<hash>.kernel}: a header (architecture, program
 * name, options) and the source. {@code bin/e3spark kernels bundle --recorded DIR} bundles them for
 * the architectures they were recorded on. Generated sources depend on the architecture's figures
 * (see {@link BundleTarget}), so a recorded unit is only bundled for the architecture it was
 * recorded for; model and problem inventories generate for any architecture.
 */
public final class RecordedKernels implements KernelInventory {

    public static final String PROPERTY = "e3spark.kernels.record";
    private static final String MAGIC = "e3spark-recorded-kernel 1";
    private static final String SUFFIX = ".kernel";
    private static final Logger LOG = LoggerFactory.getLogger(RecordedKernels.class);
    private static final Set<String> WRITTEN = ConcurrentHashMap.newKeySet();

    private record Recorded(String arch, KernelSource source) {
    }

    private final Path dir;
    private final List<Recorded> recorded;

    private RecordedKernels(Path dir, List<Recorded> recorded) {
        this.dir = dir;
        this.recorded = recorded;
    }

    /** Reads every recorded unit in {@code dir}, in file-name order. */
    public static RecordedKernels read(Path dir) {
        List<Recorded> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).sorted().toList()) {
                out.add(parse(f, Files.readString(f, StandardCharsets.UTF_8)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read recorded kernels in " + dir, e);
        }
        return new RecordedKernels(dir, List.copyOf(out));
    }

    /** The architectures recorded, in first-seen order. */
    public List<String> archs() {
        return recorded.stream().map(Recorded::arch).distinct().toList();
    }

    @Override
    public String describe() {
        return "kernels recorded in " + dir.getFileName() + " (" + recorded.size() + " units)";
    }

    @Override
    public List<KernelSource> sources(BundleTarget target) {
        return recorded.stream().filter(r -> r.arch().equals(target.arch())).map(Recorded::source).toList();
    }

    /**
     * The directory {@code -D}{@value #PROPERTY} names, or null: read once by whoever builds the process's
     * compiler ({@code CudaRuntime}), which then records into it; other compilers record only where told.
     */
    public static Path configuredDirectory() {
        String d = System.getProperty(PROPERTY);
        return d == null || d.isBlank() ? null : Path.of(d);
    }

    /** Writes a unit to {@code directory} once per process (null: records nothing); never fails the caller. */
    public static void record(Path directory, String programName, String source, String arch, List<String> options) {
        if (directory == null) {
            return;
        }
        String d = directory.toString();
        String name = KernelKey.of(source, arch, "recorded", options).sha256Hex() + SUFFIX;
        if (!WRITTEN.add(d + "/" + name)) {
            return;
        }
        StringBuilder b = new StringBuilder(MAGIC).append('\n');
        b.append("arch\t").append(arch).append('\n');
        b.append("program\t").append(programName).append('\n');
        for (String o : options) {
            b.append("option\t").append(BundleManifest.escape(o)).append('\n');
        }
        b.append('\n').append(source);
        try {
            Path dir = directory;
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, name, ".tmp");
            Files.writeString(tmp, b, StandardCharsets.UTF_8);
            Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not record kernel {} in {}: {}", programName, d, e.toString());
        }
    }

    private static Recorded parse(Path f, String text) {
        int body = text.indexOf("\n\n");
        if (!text.startsWith(MAGIC + "\n") || body < 0) {
            throw new IllegalArgumentException(f + " is not a recorded kernel");
        }
        String arch = null;
        String program = null;
        List<String> options = new ArrayList<>();
        for (String line : text.substring(MAGIC.length() + 1, body).split("\n")) {
            String[] kv = line.split("\t", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException(f + ": malformed header line '" + line + "'");
            }
            switch (kv[0]) {
                case "arch" -> arch = kv[1];
                case "program" -> program = kv[1];
                case "option" -> options.add(BundleManifest.unescape(kv[1]));
                default -> throw new IllegalArgumentException(f + ": unknown header '" + kv[0] + "'");
            }
        }
        if (arch == null || program == null) {
            throw new IllegalArgumentException(f + ": no arch or program line");
        }
        return new Recorded(arch, new KernelSource(program, text.substring(body + 2), options, "recorded: " + program));
    }
}
