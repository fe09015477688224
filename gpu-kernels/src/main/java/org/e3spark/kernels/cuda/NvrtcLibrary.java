package org.e3spark.kernels.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.e3spark.kernels.internal.rtc.NativeLibrarySearch;

/**
 * Finds and opens the NVRTC shared library. The order: a configured file (system property
 * {@value #PROPERTY}, else environment {@value #ENV}); then the sonames of CUDA 13, 12 and 11.2
 * and the bare {@code libnvrtc.so} through the dynamic loader's path; then the same names under
 * {@code $CUDA_HOME/lib64} and every {@code /usr/local/cuda*}/{@code lib64} and
 * {@code targets/x86_64-linux/lib}. When nothing opens, the exception lists every candidate and why
 * it failed. A configured file that fails to open is logged as a warning before the search goes on.
 */
public final class NvrtcLibrary {

    public static final String PROPERTY = "e3spark.nvrtc.library";
    public static final String ENV = "E3SPARK_NVRTC_LIBRARY";

    /** Sonames tried, newest first. */
    public static final List<String> SONAMES =
            List.of("libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so");

    /** One place to try: a name for the loader path, or a file; {@code configured} if the user named it. */
    public record Candidate(String name, boolean isFile, boolean configured) {
        @Override
        public String toString() {
            return configured ? name + " (configured)" : isFile ? name : name + " (loader path)";
        }
    }

    /** The library that opened, and what it was. */
    public record Opened(SymbolLookup symbols, Candidate candidate) {
    }

    private NvrtcLibrary() {
    }

    /** The configured file from the system property or the environment, or null. */
    public static String configuredPath() {
        return NativeLibrarySearch.configured(PROPERTY, ENV);
    }

    /** Every candidate, in order, for a configured file (may be null) and a CUDA_HOME (may be null). */
    public static List<Candidate> candidates(String configured, String cudaHome) {
        Set<Candidate> out = new LinkedHashSet<>();
        if (configured != null) {
            out.add(new Candidate(configured, true, true));
        }
        for (String soname : SONAMES) {
            out.add(new Candidate(soname, false, false));
        }
        List<Path> dirs = new ArrayList<>();
        if (cudaHome != null && !cudaHome.isBlank()) {
            dirs.add(Path.of(cudaHome, "lib64"));
            dirs.add(Path.of(cudaHome, "targets", "x86_64-linux", "lib"));
        }
        for (Path root : cudaInstallRoots()) {
            dirs.add(root.resolve("lib64"));
            dirs.add(root.resolve("targets").resolve("x86_64-linux").resolve("lib"));
        }
        for (Path dir : dirs) {
            for (String soname : SONAMES) {
                out.add(new Candidate(dir.resolve(soname).toString(), true, false));
            }
        }
        return List.copyOf(out);
    }

    /** {@code /usr/local/cuda} first, then every {@code /usr/local/cuda-*}, newest name first. */
    private static List<Path> cudaInstallRoots() {
        List<Path> roots = new ArrayList<>();
        roots.add(Path.of("/usr/local/cuda"));
        roots.addAll(NativeLibrarySearch.versionedDirectories(Path.of("/usr/local"), "cuda-"));
        return roots;
    }

    /** Opens the first candidate that loads into {@code arena}, or throws naming every attempt. */
    public static Opened open(List<Candidate> candidates, Arena arena) {
        NativeLibrarySearch.Opened opened = NativeLibrarySearch.open(
                candidates.stream().map(c -> new NativeLibrarySearch.Candidate(c.name(), c.isFile(), c.configured())).toList(),
                arena, "nvrtcCompileProgram", "NVRTC",
                failures -> new NvrtcUnavailableException("NVRTC (the CUDA runtime compiler) not found; set -D" + PROPERTY
                        + "=/path/to/libnvrtc.so.N or " + ENV + ". Tried, in order:\n  " + String.join("\n  ", failures)));
        return new Opened(opened.symbols(), candidates.get(opened.index()));
    }
}
