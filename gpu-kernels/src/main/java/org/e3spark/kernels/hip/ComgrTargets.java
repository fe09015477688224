package org.e3spark.kernels.hip;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.e3spark.kernels.BackendUnavailableException;
import org.e3spark.kernels.internal.rtc.NativeLibrarySearch;

/**
 * The processors the installed code object manager (comgr, which hiprtc compiles through) knows,
 * from {@code amd_comgr_get_isa_count}/{@code amd_comgr_get_isa_name}. hiprtc itself has no such
 * query, and ROCm 5.2's hiprtc crashes the process (SIGSEGV) when asked for a processor it does not
 * know (e.g. {@code gfx1100}), so {@link Hiprtc#compile} checks this list first.
 */
final class ComgrTargets {

    static final List<String> SONAMES = List.of("libamd_comgr.so", "libamd_comgr.so.3", "libamd_comgr.so.2");
    private static final String ISA_PREFIX = "amdgcn-amd-amdhsa--";

    private ComgrTargets() {
    }

    /** The gfx names comgr can compile for, in its order; empty if comgr cannot be found (the reason is returned instead). */
    static Result load(String rocmPath) {
        SymbolLookup lib;
        try {
            lib = NativeLibrarySearch.open(RocmPaths.candidates(null, rocmPath, SONAMES), Arena.global(),
                    "amd_comgr_get_isa_name", "comgr",
                    failures -> new BackendUnavailableException("comgr not found; tried " + failures)).symbols();
        } catch (BackendUnavailableException e) {
            return new Result(Optional.empty(), e.getMessage());
        }
        Linker linker = Linker.nativeLinker();
        MethodHandle count = linker.downcallHandle(lib.find("amd_comgr_get_isa_count").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, ADDRESS));
        MethodHandle name = linker.downcallHandle(lib.find("amd_comgr_get_isa_name").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment n = arena.allocate(JAVA_LONG);
            int status = (int) count.invokeExact(n);
            if (status != 0) {
                return new Result(Optional.empty(), "amd_comgr_get_isa_count failed with status " + status);
            }
            List<String> names = new ArrayList<>();
            MemorySegment out = arena.allocate(ADDRESS);
            for (long i = 0; i < n.get(JAVA_LONG, 0); i++) {
                status = (int) name.invokeExact(i, out);
                if (status != 0) {
                    return new Result(Optional.empty(), "amd_comgr_get_isa_name(" + i + ") failed with status " + status);
                }
                String isa = out.get(ADDRESS, 0).reinterpret(256).getString(0);
                String gfx = isa.startsWith(ISA_PREFIX) ? isa.substring(ISA_PREFIX.length()) : isa;
                int colon = gfx.indexOf(':');
                gfx = colon < 0 ? gfx : gfx.substring(0, colon);
                if (!names.contains(gfx)) {
                    names.add(gfx);
                }
            }
            return new Result(Optional.of(List.copyOf(names)), null);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("comgr downcall failed", t);
        }
    }

    /** The list, or why there is none. */
    record Result(Optional<List<String>> targets, String whyUnknown) {
    }
}
