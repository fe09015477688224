package org.e3spark.kernels.internal.rtc;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finding a native library among ordered candidates (a configured file, sonames on the loader path,
 * files in install directories), shared by the NVRTC and hiprtc bindings. A candidate counts only
 * if it opens and exports the probe symbol; when none does, the failure lists every candidate and
 * why it failed. A configured file that fails is logged as a warning before the search goes on.
 */
public final class NativeLibrarySearch {

    private static final Logger LOG = LoggerFactory.getLogger(NativeLibrarySearch.class);

    /** One place to try: a name for the loader path, or a file; {@code configured} if the user named it. */
    public record Candidate(String name, boolean isFile, boolean configured) {
        @Override
        public String toString() {
            return configured ? name + " (configured)" : isFile ? name : name + " (loader path)";
        }
    }

    /** The library that opened and the index of its candidate in the list searched. */
    public record Opened(SymbolLookup symbols, int index) {
    }

    private NativeLibrarySearch() {
    }

    /** The value of system property {@code property}, else of environment variable {@code env}, trimmed; or null. */
    public static String configured(String property, String env) {
        String p = System.getProperty(property);
        if (p == null || p.isBlank()) {
            p = System.getenv(env);
        }
        return p == null || p.isBlank() ? null : p.trim();
    }

    /** Every directory in {@code parent} whose name starts with {@code prefix}, newest (greatest) name first. */
    public static List<Path> versionedDirectories(Path parent, String prefix) {
        List<Path> out = new ArrayList<>();
        if (Files.isDirectory(parent)) {
            try (Stream<Path> s = Files.list(parent)) {
                s.filter(p -> p.getFileName().toString().startsWith(prefix))
                        .sorted((a, b) -> b.getFileName().toString().compareTo(a.getFileName().toString()))
                        .forEach(out::add);
            } catch (IOException | RuntimeException e) {
                LOG.debug("cannot list {}: {}", parent, e.toString());
            }
        }
        return out;
    }

    /**
     * Opens the first candidate that loads into {@code arena} and exports {@code probeSymbol}.
     *
     * @param what the library in words, for the log, e.g. {@code "NVRTC"}
     * @param unavailable makes the exception thrown when none opens, from the list of failures
     */
    public static Opened open(List<Candidate> candidates, Arena arena, String probeSymbol, String what,
                              Function<List<String>, RuntimeException> unavailable) {
        List<String> failures = new ArrayList<>();
        String configuredFailure = null;
        for (int i = 0; i < candidates.size(); i++) {
            Candidate c = candidates.get(i);
            try {
                SymbolLookup lookup = c.isFile()
                        ? SymbolLookup.libraryLookup(Path.of(c.name()), arena)
                        : SymbolLookup.libraryLookup(c.name(), arena);
                if (lookup.find(probeSymbol).isEmpty()) {
                    failures.add(c + ": no symbol " + probeSymbol);
                    continue;
                }
                if (configuredFailure != null) {
                    LOG.warn("configured {} library failed ({}); using {} instead", what, configuredFailure, c);
                }
                return new Opened(lookup, i);
            } catch (IllegalArgumentException | IllegalCallerException e) {
                String failure = c + ": " + e.getMessage();
                failures.add(failure);
                if (c.configured()) {
                    configuredFailure = failure;
                }
            }
        }
        throw unavailable.apply(List.copyOf(failures));
    }
}
