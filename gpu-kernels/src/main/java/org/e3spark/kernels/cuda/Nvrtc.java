package org.e3spark.kernels.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import org.e3spark.kernels.internal.rtc.RtcApi;
import org.e3spark.kernels.internal.rtc.RuntimeCompiler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NVRTC, the CUDA runtime compiler, bound with {@code java.lang.foreign}: JCuda's own binding links
 * {@code libnvrtc.so.12} with versioned symbols and fails against CUDA 13. Compiles CUDA C++ to
 * CUBIN for one exact {@code sm_XY}, never PTX (a newer NVRTC's PTX may not load on an older
 * driver). Every program is destroyed in a {@code finally}; temporary strings live in a confined
 * arena per call. Safe for concurrent compiles (NVRTC programs are independent).
 */
public final class Nvrtc implements RuntimeCompiler<GpuArch> {

    private static final Logger LOG = LoggerFactory.getLogger(Nvrtc.class);
    /** {@code -De3spark.nvrtc.disabled=true}: this process never loads NVRTC (every kernel must come from a bundle). */
    public static final String DISABLED_PROPERTY = "e3spark.nvrtc.disabled";
    private static volatile Nvrtc system;

    /** NVRTC's own version. */
    public record Version(int major, int minor) {
        @Override
        public String toString() {
            return major + "." + minor;
        }
    }

    private final NvrtcLibrary.Candidate library;
    private final RtcApi api;
    private final Version version;
    private final List<GpuArch> supportedArchs;

    private Nvrtc(NvrtcLibrary.Opened opened) {
        this.library = opened.candidate();
        SymbolLookup lib = opened.symbols();
        this.api = new RtcApi(lib, "nvrtc", "nvrtcGetCUBINSize", "nvrtcGetCUBIN", Nvrtc::missingSymbol,
                NvrtcException::new);
        RtcApi.Version v = api.version();
        this.version = new Version(v.major(), v.minor());
        Linker linker = Linker.nativeLinker();
        FunctionDescriptor ptrOut = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        MethodHandle numArchs = linker.downcallHandle(lib.find("nvrtcGetNumSupportedArchs")
                .orElseThrow(() -> missingSymbol("nvrtcGetNumSupportedArchs")), ptrOut);
        MethodHandle archs = linker.downcallHandle(lib.find("nvrtcGetSupportedArchs")
                .orElseThrow(() -> missingSymbol("nvrtcGetSupportedArchs")), ptrOut);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(JAVA_INT);
            api.check((int) numArchs.invokeExact(count), "nvrtcGetNumSupportedArchs");
            MemorySegment list = arena.allocate(JAVA_INT, Math.max(1, count.get(JAVA_INT, 0)));
            api.check((int) archs.invokeExact(list), "nvrtcGetSupportedArchs");
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

    private static RuntimeException missingSymbol(String name) {
        return new NvrtcUnavailableException("NVRTC library has no symbol " + name
                + " (too old? CUDA 11.2 or newer is needed)");
    }

    /**
     * The process-wide NVRTC, found as {@link NvrtcLibrary} describes (configured file, loader path,
     * CUDA installs). Loaded once; a failure is not remembered, so fixing the setup and asking
     * again works. Unavailable by design with {@code -De3spark.nvrtc.disabled=true}.
     */
    public static Nvrtc system() {
        Nvrtc n = system;
        if (n == null) {
            synchronized (Nvrtc.class) {
                n = system;
                if (n == null) {
                    if (Boolean.getBoolean(DISABLED_PROPERTY)) {
                        throw new NvrtcUnavailableException("NVRTC disabled by -D" + DISABLED_PROPERTY
                                + "=true (kernels come from kernel bundles only)");
                    }
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
    @Override
    public String identity() {
        return "nvrtc-" + version;
    }

    /** The architectures this NVRTC can emit CUBIN for, ascending. */
    public List<GpuArch> supportedArchs() {
        return supportedArchs;
    }

    /** Where the library came from. */
    @Override
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
    @Override
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
        RtcApi.Outcome outcome = api.compile(source, programName, options);
        if (!outcome.succeeded()) {
            throw FailedKernelDump.compileFailure(source, programName, outcome.resultName(), outcome.log(), options, arch);
        }
        return new CompiledKernel(outcome.code(), outcome.log(), arch, options);
    }
}
