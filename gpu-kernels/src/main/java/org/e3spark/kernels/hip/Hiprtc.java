package org.e3spark.kernels.hip;

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
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.e3spark.kernels.internal.rtc.NativeLibrarySearch.Candidate;
import org.e3spark.kernels.internal.rtc.RtcApi;
import org.e3spark.kernels.internal.rtc.RuntimeCompiler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * hiprtc, the HIP runtime compiler, bound with {@code java.lang.foreign} through the program
 * protocol it shares with NVRTC ({@link RtcApi}). Compiles HIP C++ to an AMD code object for one
 * {@link AmdGpuArch}: {@code --offload-arch=gfxXXX}, plus the wavefront-size switch on RDNA, where
 * it is selectable. Needs no GPU: the compile runs on the host (CI compiles every generated HIP
 * kernel this way). Every program is destroyed in a {@code finally}; temporary strings live in a
 * confined arena per call.
 */
public final class Hiprtc implements RuntimeCompiler<AmdGpuArch> {

    private static final Logger LOG = LoggerFactory.getLogger(Hiprtc.class);
    private static volatile Hiprtc system;

    private final Candidate library;
    private final RtcApi api;
    private final RtcApi.Version version;
    private final String identity;
    private final ComgrTargets.Result targets;
    private final AtomicBoolean warnedUnchecked = new AtomicBoolean();

    private Hiprtc(HiprtcLibrary.Opened opened, String rocmPath) {
        this.library = opened.candidate();
        this.api = new RtcApi(opened.library().symbols(), "hiprtc", "hiprtcGetCodeSize", "hiprtcGetCode",
                name -> new HiprtcUnavailableException("hiprtc library " + opened.candidate() + " has no symbol " + name),
                HiprtcException::new);
        this.version = api.version();
        this.identity = "hiprtc-" + version + hipRuntimeVersion(opened.library().symbols()).map(v -> "+hip-" + v).orElse("");
        this.targets = ComgrTargets.load(rocmPath);
    }

    /**
     * The process-wide hiprtc, found as {@link HiprtcLibrary} describes. Loaded once; a failure is
     * not remembered, so fixing the setup and asking again works.
     *
     * @throws HiprtcUnavailableException naming everything searched, when there is none
     */
    public static Hiprtc system() {
        Hiprtc h = system;
        if (h == null) {
            synchronized (Hiprtc.class) {
                h = system;
                if (h == null) {
                    String rocmPath = System.getenv("ROCM_PATH");
                    h = new Hiprtc(HiprtcLibrary.open(HiprtcLibrary.candidates(HiprtcLibrary.configuredPath(), rocmPath),
                            Arena.global()), rocmPath);
                    system = h;
                    LOG.info("{} from {}; targets {}", h.identity, h.library,
                            h.targets.targets().map(Object::toString).orElse("unknown (" + h.targets.whyUnknown() + ")"));
                }
            }
        }
        return h;
    }

    /** Loads hiprtc from the first of {@code candidates} that opens; the library stays loaded for the process. */
    public static Hiprtc load(List<Candidate> candidates) {
        return new Hiprtc(HiprtcLibrary.open(candidates, Arena.global()), System.getenv("ROCM_PATH"));
    }

    /**
     * The processors this installation can compile for, as the code object manager (comgr) lists
     * them; empty when comgr could not be asked (then {@link #compile} warns once and tries anyway).
     */
    public Optional<List<String>> supportedTargets() {
        return targets.targets();
    }

    /** hiprtc's own version ({@code hiprtcVersion}). */
    public RtcApi.Version version() {
        return version;
    }

    /**
     * What goes into kernel cache keys. ROCm 5's {@code hiprtcVersion} reports a constant 9.0, so
     * where hiprtc lives inside the HIP runtime (ROCm 5) the runtime's build number is added, e.g.
     * {@code hiprtc-9.0+hip-50221153}.
     */
    @Override
    public String identity() {
        return identity;
    }

    private static Optional<Integer> hipRuntimeVersion(SymbolLookup lib) {
        Optional<MemorySegment> symbol = lib.find("hipRuntimeGetVersion");
        if (symbol.isEmpty()) {
            return Optional.empty();
        }
        MethodHandle h = Linker.nativeLinker().downcallHandle(symbol.get(), FunctionDescriptor.of(JAVA_INT, ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(JAVA_INT);
            return (int) h.invokeExact(v) == 0 ? Optional.of(v.get(JAVA_INT, 0)) : Optional.empty();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("hipRuntimeGetVersion downcall failed", t);
        }
    }

    @Override
    public String libraryDescription() {
        return library.toString();
    }

    /** The options {@link #compile} hands hiprtc for {@code arch} before the caller's. */
    public static List<String> targetOptions(AmdGpuArch arch) {
        List<String> options = new ArrayList<>();
        options.add("--offload-arch=" + arch.gfxName());
        if (arch.selectableWavefront()) {
            options.add(arch.wavefrontSize() == 64 ? "-mwavefrontsize64" : "-mno-wavefrontsize64");
        }
        return options;
    }

    /**
     * Compiles {@code source} to a code object for exactly {@code arch}. {@code extraOptions} follow
     * the target options and may not choose a target or wavefront size themselves.
     *
     * @throws IllegalArgumentException if this installation does not know {@code arch} (ROCm 5.2's
     *     hiprtc would crash the process on it)
     * @throws HipKernelCompileException if the source does not compile (log, options, target, dumped source)
     */
    @Override
    public HipCodeObject compile(String source, String programName, AmdGpuArch arch, List<String> extraOptions) {
        if (targets.targets().isPresent()) {
            if (!targets.targets().get().contains(arch.gfxName())) {
                throw new IllegalArgumentException("hiprtc from " + library + " cannot compile for " + arch.gfxName()
                        + "; its code object manager knows " + targets.targets().get());
            }
        } else if (warnedUnchecked.compareAndSet(false, true)) {
            LOG.warn("cannot check that hiprtc knows {} ({}); compiling anyway", arch.gfxName(), targets.whyUnknown());
        }
        List<String> options = targetOptions(arch);
        for (String o : extraOptions) {
            if (o.startsWith("--offload-arch") || o.startsWith("--gpu-architecture") || o.startsWith("-march")
                    || o.contains("wavefrontsize")) {
                throw new IllegalArgumentException("option '" + o + "' is chosen by Hiprtc.compile, not the caller");
            }
            options.add(o);
        }
        RtcApi.Outcome outcome = api.compile(source, programName, options);
        if (!outcome.succeeded()) {
            throw HipKernelCompileException.of(source, programName, outcome.resultName(), outcome.log(), options, arch);
        }
        byte[] code = outcome.code();
        if (code.length == 0) {
            throw HipKernelCompileException.of(source, programName, "empty code object", outcome.log(), options, arch);
        }
        return new HipCodeObject(code, outcome.log(), arch, options);
    }
}
