package org.e3spark.kernels.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NVRTC, the CUDA runtime compiler, bound with {@code java.lang.foreign}: JCuda's own binding links
 * {@code libnvrtc.so.12} with versioned symbols and fails against CUDA 13. Compiles CUDA C++ to
 * CUBIN for one exact {@code sm_XY}, never PTX (a newer NVRTC's PTX may not load on an older
 * driver). Every program is destroyed in a {@code finally}; temporary strings live in a confined
 * arena per call. Safe for concurrent compiles (NVRTC programs are independent).
 */
public final class Nvrtc {

    private static final Logger LOG = LoggerFactory.getLogger(Nvrtc.class);
    private static final int NVRTC_SUCCESS = 0;
    private static volatile Nvrtc system;

    /** NVRTC's own version. */
    public record Version(int major, int minor) {
        @Override
        public String toString() {
            return major + "." + minor;
        }
    }

    private final NvrtcLibrary.Candidate library;
    private final MethodHandle getErrorString;
    private final MethodHandle createProgram;
    private final MethodHandle compileProgram;
    private final MethodHandle getProgramLogSize;
    private final MethodHandle getProgramLog;
    private final MethodHandle getCubinSize;
    private final MethodHandle getCubin;
    private final MethodHandle destroyProgram;
    private final Version version;
    private final List<GpuArch> supportedArchs;

    private Nvrtc(NvrtcLibrary.Opened opened) {
        this.library = opened.candidate();
        SymbolLookup lib = opened.symbols();
        Linker linker = Linker.nativeLinker();
        FunctionDescriptor ptrOut = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        FunctionDescriptor progAndPtr = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
        this.getErrorString = bind(linker, lib, "nvrtcGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        this.createProgram = bind(linker, lib, "nvrtcCreateProgram",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        this.compileProgram = bind(linker, lib, "nvrtcCompileProgram",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        this.getProgramLogSize = bind(linker, lib, "nvrtcGetProgramLogSize", progAndPtr);
        this.getProgramLog = bind(linker, lib, "nvrtcGetProgramLog", progAndPtr);
        this.getCubinSize = bind(linker, lib, "nvrtcGetCUBINSize", progAndPtr);
        this.getCubin = bind(linker, lib, "nvrtcGetCUBIN", progAndPtr);
        this.destroyProgram = bind(linker, lib, "nvrtcDestroyProgram", ptrOut);
        MethodHandle versionHandle = bind(linker, lib, "nvrtcVersion", progAndPtr);
        MethodHandle numArchs = bind(linker, lib, "nvrtcGetNumSupportedArchs", ptrOut);
        MethodHandle archs = bind(linker, lib, "nvrtcGetSupportedArchs", ptrOut);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment major = arena.allocate(JAVA_INT);
            MemorySegment minor = arena.allocate(JAVA_INT);
            check((int) versionHandle.invokeExact(major, minor), "nvrtcVersion");
            this.version = new Version(major.get(JAVA_INT, 0), minor.get(JAVA_INT, 0));
            MemorySegment count = arena.allocate(JAVA_INT);
            check((int) numArchs.invokeExact(count), "nvrtcGetNumSupportedArchs");
            MemorySegment list = arena.allocate(JAVA_INT, Math.max(1, count.get(JAVA_INT, 0)));
            check((int) archs.invokeExact(list), "nvrtcGetSupportedArchs");
            List<GpuArch> supported = new ArrayList<>();
            for (int i = 0; i < count.get(JAVA_INT, 0); i++) {
                supported.add(GpuArch.fromNumber(list.getAtIndex(JAVA_INT, i)));
            }
            this.supportedArchs = List.copyOf(supported);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("NVRTC downcall failed", t);
        }
    }

    /**
     * The process-wide NVRTC, found as {@link NvrtcLibrary} describes (configured file, loader path,
     * CUDA installs). Loaded once; a failure is not remembered, so fixing the setup and asking
     * again works.
     */
    public static Nvrtc system() {
        Nvrtc n = system;
        if (n == null) {
            synchronized (Nvrtc.class) {
                n = system;
                if (n == null) {
                    n = load(NvrtcLibrary.candidates(NvrtcLibrary.configuredPath(), System.getenv("CUDA_HOME")));
                    system = n;
                    LOG.info("NVRTC {} from {}; architectures {}", n.version, n.library, n.supportedArchs);
                }
            }
        }
        return n;
    }

    /** Loads NVRTC from the first of {@code candidates} that opens; the library stays loaded for the process. */
    public static Nvrtc load(List<NvrtcLibrary.Candidate> candidates) {
        return new Nvrtc(NvrtcLibrary.open(candidates, Arena.global()));
    }

    public Version version() {
        return version;
    }

    /** What goes into kernel cache keys: a new NVRTC version means new binaries. */
    public String identity() {
        return "nvrtc-" + version;
    }

    /** The architectures this NVRTC can emit CUBIN for, ascending. */
    public List<GpuArch> supportedArchs() {
        return supportedArchs;
    }

    /** Where the library came from. */
    public String libraryDescription() {
        return library.toString();
    }

    /**
     * Compiles {@code source} to CUBIN for exactly {@code arch}. {@code extraOptions} are passed after
     * {@code --gpu-architecture=sm_XY} and may not choose an architecture themselves.
     *
     * @throws IllegalArgumentException if this NVRTC cannot target {@code arch}
     * @throws KernelCompileException if the source does not compile
     */
    public CompiledKernel compile(String source, String programName, GpuArch arch, List<String> extraOptions) {
        if (!supportedArchs.contains(arch)) {
            throw new IllegalArgumentException("NVRTC " + version + " cannot compile for " + arch.smName()
                    + "; it supports " + supportedArchs.stream().map(GpuArch::smName).toList());
        }
        List<String> options = new ArrayList<>();
        options.add("--gpu-architecture=" + arch.smName());
        for (String o : extraOptions) {
            if (o.startsWith("--gpu-architecture") || o.startsWith("-arch") || o.equals("-ptx")) {
                throw new IllegalArgumentException("option '" + o + "' is chosen by Nvrtc.compile, not the caller");
            }
            options.add(o);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment programOut = arena.allocate(ADDRESS);
            check((int) createProgram.invokeExact(programOut, arena.allocateFrom(source),
                    arena.allocateFrom(programName), 0, MemorySegment.NULL, MemorySegment.NULL), "nvrtcCreateProgram");
            MemorySegment program = programOut.get(ADDRESS, 0);
            try {
                MemorySegment optionArray = arena.allocate(ADDRESS, Math.max(1, options.size()));
                for (int i = 0; i < options.size(); i++) {
                    optionArray.setAtIndex(ADDRESS, i, arena.allocateFrom(options.get(i)));
                }
                int result = (int) compileProgram.invokeExact(program, options.size(), optionArray);
                String log = readLog(arena, program);
                if (result != NVRTC_SUCCESS) {
                    throw FailedKernelDump.compileFailure(source, programName, errorString(result), log, options, arch);
                }
                MemorySegment size = arena.allocate(JAVA_LONG);
                check((int) getCubinSize.invokeExact(program, size), "nvrtcGetCUBINSize");
                MemorySegment cubin = arena.allocate(Math.max(1, size.get(JAVA_LONG, 0)));
                check((int) getCubin.invokeExact(program, cubin), "nvrtcGetCUBIN");
                byte[] bytes = cubin.asSlice(0, size.get(JAVA_LONG, 0)).toArray(JAVA_BYTE);
                return new CompiledKernel(bytes, log, arch, options);
            } finally {
                check((int) destroyProgram.invokeExact(programOut), "nvrtcDestroyProgram");
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("NVRTC downcall failed", t);
        }
    }

    private String readLog(Arena arena, MemorySegment program) throws Throwable {
        MemorySegment size = arena.allocate(JAVA_LONG);
        check((int) getProgramLogSize.invokeExact(program, size), "nvrtcGetProgramLogSize");
        long n = size.get(JAVA_LONG, 0);
        if (n <= 1) {
            return "";
        }
        MemorySegment log = arena.allocate(n);
        check((int) getProgramLog.invokeExact(program, log), "nvrtcGetProgramLog");
        return log.getString(0);
    }

    private void check(int result, String api) throws Throwable {
        if (result != NVRTC_SUCCESS) {
            throw new NvrtcException(api, result, errorString(result));
        }
    }

    private String errorString(int result) throws Throwable {
        MemorySegment s = (MemorySegment) getErrorString.invokeExact(result);
        return s.equals(MemorySegment.NULL) ? "nvrtcResult " + result : s.reinterpret(256).getString(0);
    }

    private static MethodHandle bind(Linker linker, SymbolLookup lib, String name, FunctionDescriptor fd) {
        MemorySegment symbol = lib.find(name).orElseThrow(() -> new NvrtcUnavailableException(
                "NVRTC library has no symbol " + name + " (too old? CUDA 11.2 or newer is needed)"));
        return linker.downcallHandle(symbol, fd);
    }
}
