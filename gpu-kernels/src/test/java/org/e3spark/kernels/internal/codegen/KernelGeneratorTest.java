package org.e3spark.kernels.internal.codegen;

import org.e3spark.kernels.gpu.GpuTarget;

import org.e3spark.kernels.gpu.Literals;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.Layout;
import org.e3spark.kernels.ProblemCatalog;
import org.e3spark.kernels.TPProblem;
import org.junit.jupiter.api.Test;

class KernelGeneratorTest {

    static Map<String, TPProblem> allProblems() {
        Map<String, TPProblem> m = new LinkedHashMap<>(ProblemCatalog.benchmarks());
        m.putAll(GoldenProblems.all());
        m.putAll(RandomProblems.all());
        return m;
    }

    @Test
    void generationIsDeterministic() {
        for (var e : ProblemCatalog.benchmarks().entrySet()) {
            for (DType dt : DType.values()) {
                String a = KernelGenerator.generate(e.getValue(), dt, GpuTarget.H100).source();
                String b = KernelGenerator.generate(e.getValue(), dt, GpuTarget.H100).source();
                assertEquals(a, b, e.getKey() + " " + dt);
            }
        }
    }

    @Test
    void everyProblemGeneratesForBothDtypesLayoutsAndKinds() {
        if (java.nio.file.Files.isDirectory(GoldenProblems.DIR)) {
            assertTrue(GoldenProblems.all().size() >= 9, "golden tensor-product files in " + GoldenProblems.DIR);
        } else {
            System.out.println("NOTE: no golden folder at " + GoldenProblems.DIR + "; golden problems not generated");
        }
        for (var e : allProblems().entrySet()) {
            for (Layout layout : Layout.values()) {
                for (DType dt : DType.values()) {
                    TPProblem p = e.getValue().withLayout(layout);
                    GeneratedKernels g = KernelGenerator.generate(p, dt, GpuTarget.H100);
                    String where = e.getKey() + " " + layout + " " + dt;
                    assertEquals(KernelKind.values().length, g.entries().size(), where);
                    for (GeneratedKernels.Entry en : g.entries()) {
                        assertEquals(en.kind().entryName(), en.name(), where);
                        assertTrue(g.source().contains("\n" + en.name() + "(const tp_real* __restrict__ x"), where + " " + en.name());
                        assertTrue(en.launch().dynamicSmemBytes() <= GpuTarget.H100.maxSharedMemoryPerBlock(), where);
                        assertEquals(1, en.launch().gridFor(1), where);
                        assertTrue(en.launch().gridFor(50_000) <= en.launch().maxBlocks(), where);
                    }
                    assertEquals(KernelKind.values().length, count(g.source(), "extern \"C\" __global__"), where);
                }
            }
        }
    }

    @Test
    void cudaAndHipRenderingsDifferOnlyInThePrelude() {
        for (var e : allProblems().entrySet()) {
            for (DType dt : DType.values()) {
                List<Schedule> schedules = List.of(KernelKind.values()).stream()
                        .map(k -> Planner.plan(e.getValue(), dt, GpuTarget.H100, k)).toList();
                String cuda = KernelEmitter.render(schedules, GpuTarget.Dialect.CUDA);
                String hip = KernelEmitter.render(schedules, GpuTarget.Dialect.HIP);
                assertFalse(cuda.equals(hip));
                assertEquals(withoutPrelude(cuda), withoutPrelude(hip), e.getKey() + " " + dt);
                assertTrue(hip.contains("__builtin_amdgcn_wave_barrier()"), "HIP warp barrier is a real barrier");
                assertFalse(withoutPrelude(cuda).contains("__syncwarp"),
                        "kernel bodies call tp_warp_sync, never a dialect barrier");
            }
        }
    }

    @Test
    void convolutionVariantsAreDeterministicAndShareTheTensorProductsPlan() {
        for (TPProblem p : List.of(ProblemCatalog.benchmarks().get("nequip-water").withSharedWeights(true),
                ProblemCatalog.benchmarks().get("mace-large"))) {
            for (DType dt : DType.values()) {
                GeneratedKernels conv = KernelGenerator.generateConv(p, dt, GpuTarget.H100, List.of(KernelKind.values()),
                        PlannerTuning.DEFAULT);
                assertEquals(conv.source(), KernelGenerator.generateConv(p, dt, GpuTarget.H100,
                        List.of(KernelKind.values()), PlannerTuning.DEFAULT).source());
                GeneratedKernels tp = KernelGenerator.generate(p, dt, GpuTarget.H100);
                for (KernelKind k : KernelKind.values()) {
                    assertEquals(ConvKernelAbi.PREFIX + k.entryName(), conv.entry(k).name());
                    if (k.backward()) {
                        assertEquals(tp.entry(k).launch(), conv.entry(k).launch(), "same shared-memory plan");
                    } else {
                        assertTrue(conv.entry(k).launch().dynamicSmemBytes() <= tp.entry(k).launch().dynamicSmemBytes(),
                                "the convolution forward stages no input rows");
                        assertTrue(conv.entry(k).unitsPerRow() >= 1);
                    }
                    assertTrue(conv.source().contains("void __launch_bounds__(" + conv.entry(k).launch().threadsPerBlock()
                            + ")\n" + conv.entry(k).name() + "("));
                }
                assertTrue(conv.source().contains(ConvKernelAbi.REDUCE_ROWS + "("));
                assertTrue(conv.source().contains(ConvKernelAbi.REDUCE_ALL + "("));
                assertEquals(KernelKind.values().length + 2, count(conv.source(), "extern \"C\" __global__"));
                if (p.sharedWeights()) {
                    assertTrue(conv.source().contains("gwp["), "deterministic shared-weight gradient rows");
                }
                String hip = KernelGenerator.generateConv(p, dt, GpuTarget.H100.withDialect(GpuTarget.Dialect.HIP),
                        List.of(KernelKind.values()), PlannerTuning.DEFAULT).source();
                assertEquals(withoutPrelude(conv.source()), withoutPrelude(hip));
            }
        }
    }

    @Test
    void wave64TargetPlansWithWideWarps() {
        GeneratedKernels g = KernelGenerator.generate(ProblemCatalog.benchmarks().get("mace-medium"), DType.FLOAT32,
                GpuTarget.MI250X);
        assertTrue(g.source().contains("#include <hip/hip_runtime.h>"));
        assertTrue(g.source().contains("const int lane = threadIdx.x % 64;"));
        assertEquals(2, g.entry(KernelKind.FORWARD).launch().rowsPerBlock());
    }

    @Test
    void laneArithmeticFollowsTheTargetsWavefrontWidth() {
        TPProblem p = ProblemCatalog.benchmarks().get("nequip-lips");
        for (GpuTarget t : List.of(GpuTarget.MI250X, GpuTarget.RX6900XT)) {
            String src = KernelGenerator.generate(p, DType.FLOAT32, t).source();
            int w = t.warpWidth();
            assertTrue(src.contains("const int lane = threadIdx.x % " + w + ";"), t.arch());
            assertTrue(src.contains("for (int o = " + w / 2 + "; o > 0; o >>= 1)"), t.arch() + ": butterfly over all lanes");
            assertTrue(src.contains("__shfl_xor(v, mask, " + w + ")"), t.arch());
            assertTrue(src.contains("__AMDGCN_WAVEFRONT_SIZE != " + w + ")"), t.arch() + ": compile refuses another width");
            assertTrue(src.contains("#if !defined(__HIPCC_RTC__)\n#include <hip/hip_runtime.h>"), t.arch());
        }
    }

    @Test
    void blocksShrinkWhereTheTargetsSharedMemoryIsSmallAndNowhereElse() {
        TPProblem diffdock = ProblemCatalog.benchmarks().get("DiffDock-L=2");
        Schedule amd = Planner.plan(diffdock, DType.FLOAT64, GpuTarget.MI250X, KernelKind.BACKWARD);
        assertEquals(1, amd.warpsPerBlock(), "two 64-lane slices of the uvw backward exceed 64 KiB of LDS");
        assertEquals(64, amd.launch().threadsPerBlock());
        assertTrue(amd.launch().dynamicSmemBytes() <= GpuTarget.MI250X.maxSharedMemoryPerBlock());
        assertEquals(2, Planner.plan(diffdock, DType.FLOAT32, GpuTarget.MI250X, KernelKind.BACKWARD).warpsPerBlock());
        for (var e : allProblems().entrySet()) {
            for (DType dt : DType.values()) {
                for (KernelKind k : KernelKind.values()) {
                    Schedule s = Planner.plan(e.getValue(), dt, GpuTarget.H100, k);
                    assertEquals(PlannerTuning.DEFAULT.threadsPerBlock(), s.launch().threadsPerBlock(),
                            e.getKey() + " " + dt + " " + k + ": the H100 keeps its tuned block");
                    for (GpuTarget amdTarget : List.of(GpuTarget.MI250X, GpuTarget.RX6900XT)) {
                        Schedule a = Planner.plan(e.getValue(), dt, amdTarget, k);
                        assertTrue(a.launch().dynamicSmemBytes() <= amdTarget.maxSharedMemoryPerBlock());
                        assertEquals(a.warpsPerBlock() * amdTarget.warpWidth(), a.launch().threadsPerBlock());
                    }
                }
            }
        }
    }

    @Test
    void literalsRoundTripExactly() {
        Random r = new Random(20261123);
        for (int n = 0; n < 10_000; n++) {
            double v = r.nextGaussian() * Math.pow(10, r.nextInt(9) - 4);
            assertEquals(v, Double.parseDouble(Literals.of(v, DType.FLOAT64)));
            String f = Literals.of(v, DType.FLOAT32);
            assertTrue(f.endsWith("f"));
            assertEquals((float) v, Float.parseFloat(f.substring(0, f.length() - 1)));
        }
    }

    @Test
    void sharedWeightBackwardAsksTheCallerToZeroGw() {
        TPProblem tetris = ProblemCatalog.benchmarks().get("tetris-poly-2");
        GeneratedKernels g = KernelGenerator.generate(tetris, DType.FLOAT32, GpuTarget.H100);
        assertEquals(List.of("gw"), g.entry(KernelKind.BACKWARD).zeroFirst());
        assertEquals(List.of(), g.entry(KernelKind.FORWARD).zeroFirst());
        assertEquals(List.of(), g.entry(KernelKind.BACKWARD_ACCUMULATE).zeroFirst());
        GeneratedKernels perRow = KernelGenerator.generate(tetris.withSharedWeights(false), DType.FLOAT32, GpuTarget.H100);
        assertEquals(List.of(), perRow.entry(KernelKind.BACKWARD).zeroFirst());
    }

    @Test
    void maceLargeInFloat64IsSplitIntoSegments() {
        TPProblem mace = ProblemCatalog.benchmarks().get("mace-large");
        for (KernelKind k : KernelKind.values()) {
            Schedule s = Planner.plan(mace, DType.FLOAT64, GpuTarget.H100, k);
            assertTrue(s.segments().size() > 1, k.toString());
            int covered = s.paths().size();
            assertEquals(mace.instructions().size(), covered, "every path lands in exactly one segment");
        }
    }

    @Test
    void outputBlocksNoInstructionReachesAreZeroFilled() {
        TPProblem mixed = RandomProblems.all().get("mixed_perrow");
        Schedule s = Planner.plan(mixed, DType.FLOAT32, GpuTarget.H100, KernelKind.FORWARD);
        int zeros = s.segments().stream().mapToInt(seg -> seg.zeroSpans().size()).sum();
        assertEquals(1, zeros, "block 3 (4x3o) is reached by no instruction");
        Schedule tangent = Planner.plan(mixed, DType.FLOAT32, GpuTarget.H100, KernelKind.FORWARD_WEIGHT_TANGENT);
        int tangentZeros = tangent.segments().stream().mapToInt(seg -> seg.zeroSpans().size()).sum();
        assertEquals(2, tangentZeros, "the weightless path's block drops out of the weight tangent");
    }

    @Test
    void catalogMatchesSpecSizes() {
        TPProblem mace = ProblemCatalog.benchmarks().get("mace-large");
        assertEquals(1152, mace.in1().dim());
        assertEquals(9088, mace.out().dim());
        assertEquals(17, mace.instructions().size());
        long bytes = 50_000L * 4 * (mace.in1().dim() + mace.in2().dim() + mace.out().dim() + mace.weightNumel());
        assertTrue(bytes > 2.4e9 && bytes < 2.6e9, "mace-large forward moves ~2.5 GB: " + bytes);
        assertTrue(ProblemCatalog.benchmarks().get("tetris-poly-2").sharedWeights());
        assertFalse(ProblemCatalog.benchmarks().get("DiffDock-L=2").sharedWeights());
    }

    static String withoutPrelude(String src) {
        int a = src.indexOf("// ---- dialect prelude");
        int b = src.indexOf("// ---- end of prelude ----");
        return src.substring(0, a) + src.substring(b);
    }

    private static int count(String s, String needle) {
        int n = 0;
        for (int i = s.indexOf(needle); i >= 0; i = s.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
