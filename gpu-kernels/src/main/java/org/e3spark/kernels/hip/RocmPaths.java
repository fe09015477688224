package org.e3spark.kernels.hip;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.e3spark.kernels.internal.rtc.NativeLibrarySearch;
import org.e3spark.kernels.internal.rtc.NativeLibrarySearch.Candidate;

/** Where ROCm libraries live: {@code $ROCM_PATH/lib}, {@code /opt/rocm/lib}, then every {@code /opt/rocm-*}{@code /lib}, newest first. */
final class RocmPaths {

    private RocmPaths() {
    }

    static List<Path> libraryDirectories(String rocmPath) {
        List<Path> dirs = new ArrayList<>();
        if (rocmPath != null && !rocmPath.isBlank()) {
            dirs.add(Path.of(rocmPath, "lib"));
        }
        dirs.add(Path.of("/opt/rocm/lib"));
        for (Path root : NativeLibrarySearch.versionedDirectories(Path.of("/opt"), "rocm-")) {
            dirs.add(root.resolve("lib"));
        }
        return dirs;
    }

    /** A configured file (may be null), then {@code sonames} on the loader path, then in every ROCm library directory. */
    static List<Candidate> candidates(String configured, String rocmPath, List<String> sonames) {
        Set<Candidate> out = new LinkedHashSet<>();
        if (configured != null) {
            out.add(new Candidate(configured, true, true));
        }
        for (String soname : sonames) {
            out.add(new Candidate(soname, false, false));
        }
        for (Path dir : libraryDirectories(rocmPath)) {
            for (String soname : sonames) {
                out.add(new Candidate(dir.resolve(soname).toString(), true, false));
            }
        }
        return List.copyOf(out);
    }
}
