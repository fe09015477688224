package org.e3spark.kernels.hip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.e3spark.kernels.CgConvention;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.Irreps;
import org.e3spark.kernels.SymmetricContractionProblem;
import org.e3spark.kernels.Layout;
import org.e3spark.kernels.ProblemCatalog;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.internal.codegen.GeneratedKernels;
import org.e3spark.kernels.gpu.GpuTarget;
import org.e3spark.kernels.internal.codegen.KernelGenerator;
import org.e3spark.kernels.internal.codegen.ScKernel;
import org.e3spark.kernels.internal.codegen.SymmetricContractionEmitter;
import org.e3spark.kernels.internal.codegen.SymmetricContractionPlan;
import org.e3spark.kernels.testing.Golden;
import org.e3spark.kernels.testing.RandomProblems;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The HIP twin of {@code NvccCompileTest}: compiles the generator's HIP rendering with hiprtc, which
 * needs no GPU, for CDNA (gfx90a, wave64) and RDNA (gfx1030, wave32), and checks that a code object
 * comes back holding every kernel. One problem per feature (SPEC §9's mace-large, nequip-lips,
 * DiffDock-L=2 and tetris-poly-2, a per-row uvw golden problem with in2 multiplicity 2, a random
 * mixed problem in ir_mul), both dtypes, every kernel kind; on RDNA one problem. Skips visibly, with
 * the reason, where hiprtc is not installed. Compiles run one at a time (about a minute on two
 * cores): hiprtc's thread safety is not established for ROCm 5.2, and a crash there ends the JVM.
 */
class HiprtcCompileTest {

    /** Seed of the random mixed problem (printed when it is built). */
    static final long SEED = 20261125L;

    private static Hiprtc hiprtc;
    private static String whyAbsent;

    @BeforeAll
    static void findHiprtc() {
        try {
            hiprtc = Hiprtc.system();
            System.out.println("hiprtc: " + hiprtc.identity() + " from " + hiprtc.libraryDescription());
        } catch (HiprtcUnavailableException e) {
            whyAbsent = e.getMessage();
        }
    }

    private static Hiprtc hiprtc() {
        if (hiprtc == null) {
            String reason = "SKIPPED: hiprtc is not installed; generated HIP was not compiled. " + whyAbsent;
            System.out.println(reason);
            Assumptions.abort(reason);
        }
        return hiprtc;
    }

    static Map<String, TPProblem> problems() {
        Map<String, TPProblem> m = new LinkedHashMap<>();
        for (String name : List.of("mace-large", "nequip-lips", "DiffDock-L=2", "tetris-poly-2")) {
            m.put(name, ProblemCatalog.problem(name));
        }
        m.put("golden uvw_mixed_mults", Golden.problem(Golden.read("uvw_mixed_mults.json")));
        TPProblem mixed = RandomProblems.mixed(SEED, true, Layout.IR_MUL);
        System.out.println("random mixed problem: seed " + SEED + ", " + mixed);
        assertEquals(2, mixed.instructions().stream().map(i -> i.mode()).distinct().count(), "uvu and uvw mixed");
        m.put("random mixed (seed " + SEED + ")", mixed);
        return m;
    }

    @Test
    void generatedHipCompilesForCdnaWave64() {
        Hiprtc h = hiprtc();
        List<String> failures = new ArrayList<>();
        int compiled = 0;
        for (var e : problems().entrySet()) {
            for (DType dt : DType.values()) {
                failures.addAll(compileAndCheck(h, e.getKey(), e.getValue(), dt, GpuTarget.MI250X, AmdGpuArch.GFX90A));
                compiled++;
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + compiled + " sources failed:\n" + String.join("\n", failures));
        }
        assertEquals(12, compiled);
    }

    @Test
    void generatedHipCompilesForRdnaWave32() {
        Hiprtc h = hiprtc();
        List<String> failures = new ArrayList<>();
        for (DType dt : DType.values()) {
            failures.addAll(compileAndCheck(h, "tetris-poly-2", ProblemCatalog.problem("tetris-poly-2"), dt,
                    GpuTarget.RX6900XT, new AmdGpuArch("gfx1030", 32)));
        }
        if (!failures.isEmpty()) {
            fail(String.join("\n", failures));
        }
    }

    /**
     * The symmetric-contraction kernels (all groups in one unit): MACE-MP-medium's shape (1,909 terms) in both
     * dtypes for CDNA, a small odd-parity correlation-3 problem for RDNA.
     */
    @Test
    void generatedSymmetricContractionHipCompiles() {
        Hiprtc h = hiprtc();
        List<String> failures = new ArrayList<>();
        SymmetricContractionPlan mace = SymmetricContractionPlan.of(SymmetricContractionProblem.builder(
                        Irreps.parse("128x0e+128x1o+128x2e+128x3o"), Irreps.parse("128x0e+128x1o"))
                .correlation(3).elements(10).build());
        SymmetricContractionPlan odd = SymmetricContractionPlan.of(SymmetricContractionProblem.builder(
                        Irreps.parse("3x0e+3x1o+3x2e"), Irreps.parse("3x1o+3x2e"))
                .correlation(3).elements(4).convention(CgConvention.LEGACY_E3NN_044).build());
        for (DType dt : DType.values()) {
            failures.addAll(compileSc(h, "sc mace-mp-medium", mace, dt, GpuTarget.MI250X, AmdGpuArch.GFX90A));
        }
        failures.addAll(compileSc(h, "sc corr3 odd", odd, DType.FLOAT32, GpuTarget.RX6900XT, new AmdGpuArch("gfx1030", 32)));
        if (!failures.isEmpty()) {
            fail(String.join("\n", failures));
        }
    }

    private static List<String> compileSc(Hiprtc h, String name, SymmetricContractionPlan plan, DType dt,
                                          GpuTarget target, AmdGpuArch arch) {
        SymmetricContractionEmitter.Generated g = SymmetricContractionEmitter.generate(plan, dt, target,
                List.of(ScKernel.values()));
        String where = name + " " + dt + " for " + arch;
        long t0 = System.nanoTime();
        HipCodeObject code;
        try {
            code = h.compile(g.source(), programName(name, dt), arch, List.of());
        } catch (HipKernelCompileException e) {
            return List.of(where + ": " + e.getMessage());
        }
        System.out.printf("hiprtc %-34s %8d bytes in %5d ms%n", where, code.codeSize(), (System.nanoTime() - t0) / 1_000_000);
        String image = new String(code.code(), StandardCharsets.ISO_8859_1);
        List<String> problems = new ArrayList<>();
        for (SymmetricContractionEmitter.Entry en : g.entries()) {
            if (!image.contains(en.name() + "\0")) {
                problems.add(where + ": code object lacks kernel " + en.name());
            }
        }
        return problems;
    }

    /** Compiles every kernel kind of one problem as one unit; returns what is wrong, if anything. */
    private static List<String> compileAndCheck(Hiprtc h, String name, TPProblem p, DType dt, GpuTarget target,
                                                AmdGpuArch arch) {
        assertEquals(target.warpWidth(), arch.wavefrontSize(), "the plan's warp width is the compile's wavefront size");
        GeneratedKernels g = KernelGenerator.generate(p, dt, target);
        String where = name + " " + dt + " for " + arch;
        long t0 = System.nanoTime();
        HipCodeObject code;
        try {
            code = h.compile(g.source(), programName(name, dt), arch, List.of());
        } catch (HipKernelCompileException e) {
            return List.of(where + ": " + e.getMessage());
        }
        System.out.printf("hiprtc %-34s %8d bytes in %5d ms%n", where, code.codeSize(), (System.nanoTime() - t0) / 1_000_000);
        List<String> problems = new ArrayList<>();
        byte[] bytes = code.code();
        String image = new String(bytes, StandardCharsets.ISO_8859_1);
        if (!(image.startsWith("\u007fELF") || image.startsWith("__CLANG_OFFLOAD_BUNDLE__"))) {
            problems.add(where + ": not an ELF code object or offload bundle (" + bytes.length + " bytes)");
        }
        if (!image.contains("amdgcn-amd-amdhsa") && !image.contains(arch.gfxName())) {
            problems.add(where + ": code object does not name target " + arch.gfxName());
        }
        for (GeneratedKernels.Entry en : g.entries()) {
            if (!image.contains(en.name() + "\0")) {
                problems.add(where + ": code object lacks kernel " + en.name());
            }
        }
        assertEquals("--offload-arch=" + arch.gfxName(), code.options().getFirst());
        return problems;
    }

    private static String programName(String name, DType dt) {
        return (name + "_" + dt).replaceAll("[^A-Za-z0-9_]", "_") + ".hip";
    }

    @Test
    void wave64PlanIsRefusedWhenCompiledForWave32() {
        Hiprtc h = hiprtc();
        String source = KernelGenerator.generate(ProblemCatalog.problem("nequip-lips"), DType.FLOAT32, GpuTarget.MI250X)
                .source();
        HipKernelCompileException e = assertThrows(HipKernelCompileException.class,
                () -> h.compile(source, "wave64_as_wave32.hip", new AmdGpuArch("gfx1030", 32), List.of()));
        assertTrue(e.log().contains("kernels planned for 64-wide wavefronts"), e.log());
    }

    @Test
    void brokenSourceGivesLogOptionsTargetAndDumpedSource() throws Exception {
        Hiprtc h = hiprtc();
        String broken = "extern \"C\" __global__ void broken(float* x) { x[0] = not_declared_anywhere; }\n";
        HipKernelCompileException e = assertThrows(HipKernelCompileException.class,
                () -> h.compile(broken, "broken kernel.hip", AmdGpuArch.GFX90A, List.of("-O3")));
        System.out.println(e.getMessage());
        assertTrue(e.log().contains("not_declared_anywhere"), e.log());
        assertEquals(AmdGpuArch.GFX90A, e.arch());
        assertEquals(List.of("--offload-arch=gfx90a", "-O3"), e.options());
        assertEquals(broken, Files.readString(e.sourceFile()));
        assertTrue(e.sourceFile().getFileName().toString().matches("broken_kernel\\.hip-[0-9a-f]{64}\\.hip"),
                e.sourceFile().toString());
        for (String part : List.of("hiprtc", "gfx90a", "--offload-arch=gfx90a", "-O3", e.sourceFile().toString(),
                "not_declared_anywhere", "broken kernel.hip")) {
            assertTrue(e.getMessage().contains(part), "message lacks " + part + ":\n" + e.getMessage());
        }
    }

    @Test
    void targetTheInstalledCompilerDoesNotKnowIsRefusedBeforeCompiling() {
        Hiprtc h = hiprtc();
        Assumptions.assumeTrue(h.supportedTargets().isPresent(), "comgr's target list is unavailable here");
        assertTrue(h.supportedTargets().get().contains("gfx90a"), h.supportedTargets().get().toString());
        // ROCm 5.2's hiprtc crashes the JVM on a processor it does not know; it must never be asked
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> h.compile("extern \"C\" __global__ void k() {}\n", "k.hip", new AmdGpuArch("gfx999", 64), List.of()));
        assertTrue(e.getMessage().contains("gfx999") && e.getMessage().contains("gfx90a"), e.getMessage());
    }

    @Test
    void callerMayNotChooseTheTarget() {
        Hiprtc h = hiprtc();
        assertThrows(IllegalArgumentException.class,
                () -> h.compile("", "k.hip", AmdGpuArch.GFX90A, List.of("--offload-arch=gfx908")));
        assertThrows(IllegalArgumentException.class,
                () -> h.compile("", "k.hip", AmdGpuArch.GFX90A, List.of("-mwavefrontsize64")));
    }
}
