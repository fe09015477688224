package org.e3spark.kernels.internal.codegen;

import org.e3spark.kernels.gpu.GpuTarget;

import org.e3spark.kernels.gpu.DialectPrelude;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.e3spark.kernels.CgConvention;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.Irreps;
import org.e3spark.kernels.SymmetricContractionProblem;
import org.e3spark.kernels.internal.math.SymmetricPolynomial;
import org.e3spark.kernels.testing.ScOracle;
import org.e3spark.kernels.testing.Tolerance;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The symmetric-contraction planner and emitter on the CPU: the plan holds exactly the polynomial's
 * terms; the CUDA and HIP renderings differ only in the prelude; and the generated kernels, compiled
 * for the host by g++ ({@link ScHostRunner}) and run thread by thread, match the float64 CPU engine in
 * every direction with every output element written (poisoned with NaN first), bad species included.
 */
class SymmetricContractionEmitterTest {

    static SymmetricContractionProblem sc(String in, String out, int corr, int elements, CgConvention conv) {
        return SymmetricContractionProblem.builder(Irreps.parse(in), Irreps.parse(out)).correlation(corr)
                .elements(elements).convention(conv).build();
    }

    /** Small problems covering correlation 1-4, odd-parity outputs, 1, 2 and 3 channels, both conventions. */
    static Map<String, SymmetricContractionProblem> problems() {
        Map<String, SymmetricContractionProblem> m = new LinkedHashMap<>();
        m.put("corr1", sc("4x0e+4x1o", "4x1o", 1, 2, CgConvention.E3NN));
        m.put("corr2", sc("2x0e+2x1o", "2x0e+2x1o", 2, 3, CgConvention.E3NN));
        m.put("corr3 odd", sc("3x0e+3x1o+3x2e", "3x1o+3x2e", 3, 4, CgConvention.LEGACY_E3NN_044));
        m.put("corr4 C=1", sc("1x0e+1x1o", "1x0e+1x1o", 4, 2, CgConvention.E3NN));
        return m;
    }

    @Test
    void planHoldsEveryTermOfThePolynomial() {
        Map<String, SymmetricContractionProblem> all = new LinkedHashMap<>(problems());
        all.put("mace-mp-medium", sc("128x0e+128x1o+128x2e+128x3o", "128x0e+128x1o", 3, 10, CgConvention.E3NN));
        for (var en : all.entrySet()) {
            SymmetricContractionProblem p = en.getValue();
            SymmetricPolynomial poly = p.polynomial();
            SymmetricContractionPlan plan = SymmetricContractionPlan.of(p);
            Set<String> expected = new HashSet<>();
            int terms = 0;
            for (int i = 0; i < poly.outputCount(); i++) {
                for (int e = 0; e < poly.termCount(i); e++) {
                    expected.add(i + "/" + poly.termOrder(i, e) + "/" + poly.termComponent(i, e) + "/"
                            + java.util.Arrays.toString(poly.monomialIndices(poly.termMonomial(i, e))) + "/"
                            + poly.termPath(i, e) + "/" + poly.termCoefficient(i, e));
                    terms++;
                }
            }
            Set<String> planned = new HashSet<>();
            int pathsTotal = 0;
            for (SymmetricContractionPlan.Chunk ch : plan.chunks()) {
                assertEquals(p.numPaths(ch.output(), ch.nu()), ch.paths(), en.getKey());
                assertEquals(p.weightOffset(ch.output(), ch.nu()), ch.weightOffset(), en.getKey());
                assertEquals(pathsTotal, ch.localPathOffset(), en.getKey());
                pathsTotal += ch.paths();
                for (SymmetricContractionPlan.Monomial mo : ch.monomials()) {
                    assertEquals(ch.nu(), mo.indices().length, en.getKey() + " monomial degree is the order");
                    for (SymmetricContractionPlan.Pair q : mo.pairs()) {
                        for (int j = 0; j < q.paths().length; j++) {
                            assertTrue(q.paths()[j] < ch.paths());
                            planned.add(ch.output() + "/" + ch.nu() + "/" + q.component() + "/"
                                    + java.util.Arrays.toString(mo.indices()) + "/" + q.paths()[j] + "/"
                                    + q.coefficients()[j]);
                        }
                    }
                }
            }
            assertEquals(terms, plan.terms(), en.getKey());
            assertEquals(expected, planned, en.getKey());
            assertEquals(p.weightNumel(), (long) pathsTotal * p.elements() * p.channels(), en.getKey());
            assertEquals(p.outputs().size() * p.correlation(), plan.chunks().size());
        }
        SymmetricContractionPlan mace = SymmetricContractionPlan.of(all.get("mace-mp-medium"));
        System.out.printf("mace-mp-medium plan: %d terms, %d pairs, %d weight columns (largest chunk %d), %d flops/node-channel%n",
                mace.terms(), mace.pairs(), mace.pathsTotal(),
                mace.chunks().stream().mapToInt(SymmetricContractionPlan.Chunk::paths).max().orElse(0),
                mace.forwardFlopsPerNodeChannel());
        assertTrue(mace.unrollable());
    }

    @Test
    void dialectsDifferOnlyInThePrelude() {
        SymmetricContractionPlan plan = SymmetricContractionPlan.of(problems().get("corr2"));
        for (DType dt : DType.values()) {
            String cuda = SymmetricContractionEmitter.generate(plan, dt, GpuTarget.H100, List.of(ScKernel.values()))
                    .source();
            String hip = SymmetricContractionEmitter.generate(plan, dt, GpuTarget.MI250X, List.of(ScKernel.values()))
                    .source();
            String body = SymmetricContractionEmitter.body(plan, dt, List.of(ScKernel.values()));
            assertTrue(cuda.endsWith(body) && hip.endsWith(body));
            assertEquals(DialectPrelude.render(GpuTarget.Dialect.CUDA, dt, 32), cuda.substring(0, cuda.length() - body.length()));
            assertFalse(body.contains("fast"), "no fast-math intrinsics");
            if (dt == DType.FLOAT32) {
                assertFalse(body.matches("(?s).*[^f0-9][0-9]+\\.[0-9]+(E-?[0-9]+)?[^f0-9E].*"),
                        "every float32 literal has the f suffix");
            }
        }
    }

    @Test
    void groupsHoldTheirKernelsAndTooLargeProblemsAreRefused() {
        SymmetricContractionPlan plan = SymmetricContractionPlan.of(problems().get("corr2"));
        for (ScKernel.Group g : ScKernel.Group.values()) {
            var gen = SymmetricContractionEmitter.generate(plan, DType.FLOAT32, GpuTarget.H100, g.kernels);
            for (ScKernel k : g.kernels) {
                assertTrue(gen.source().contains(" " + k.entryName() + "("), k.entryName());
                assertEquals(SymmetricContractionEmitter.THREADS, gen.entry(k).launch().threadsPerBlock());
            }
        }
        SymmetricContractionPlan huge = SymmetricContractionPlan.of(
                sc("8x0e+8x1o+8x2e+8x3o", "8x0e+8x1o+8x2e", 4, 2, CgConvention.E3NN));
        assertFalse(huge.unrollable(), huge.terms() + " terms");
        SymmetricContractionPlan wide = SymmetricContractionPlan.of(sc("1x0e+1x1o+1x2e+1x3o", "1x0e", 4, 3,
                CgConvention.E3NN));
        String body = SymmetricContractionEmitter.body(wide, DType.FLOAT32, List.of(ScKernel.FORWARD));
        assertTrue(body.contains("exceed the register budget") && body.contains("* wr["), "wide chunk reads weights where used");
        assertThrows(IllegalArgumentException.class,
                () -> SymmetricContractionEmitter.generate(huge, DType.FLOAT64, GpuTarget.H100, List.of(ScKernel.FORWARD)));
    }

    @Test
    void hostCompiledKernelsMatchTheCpuEngineInEveryDirection(@TempDir Path dir) throws Exception {
        String why = ScHostRunner.whyNoCompiler();
        if (why != null) {
            System.out.println("SKIPPED: " + why);
            Assumptions.abort(why);
        }
        Map<String, SymmetricContractionProblem> ps = new LinkedHashMap<>(problems());
        // the GPU run's corr2 C=3 case (0e+1o+2e in, the same out): the x tangent of double backward
        ps.put("corr2 l2 C=3", sc("3x0e+3x1o+3x2e", "3x0e+3x1o+3x2e", 2, 3, CgConvention.E3NN));
        ps.put("mace shape C=2", sc("2x0e+2x1o+2x2e+2x3o", "2x0e+2x1o", 3, 10, CgConvention.E3NN));
        // 158 weight columns in one chunk: past the register budget, weights are read where used
        ps.put("corr4 wide chunk", sc("1x0e+1x1o+1x2e+1x3o", "1x0e", 4, 3, CgConvention.E3NN));
        List<String> failures = new ArrayList<>();
        for (var en : ps.entrySet()) {
            SymmetricContractionProblem p = en.getValue();
            SymmetricContractionPlan plan = SymmetricContractionPlan.of(p);
            for (DType dt : DType.values()) {
                Path sub = Files.createDirectories(dir.resolve(en.getKey().replaceAll("[^A-Za-z0-9]", "_") + dt));
                long t0 = System.nanoTime();
                Path exe = ScHostRunner.compile(plan, dt, sub);
                System.out.printf("g++ %-16s %s in %d ms%n", en.getKey(), dt, (System.nanoTime() - t0) / 1_000_000);
                for (int batch : new int[] {0, 1, 7, 77, 333}) {
                    ScOracle.Inputs in = ScOracle.random(p, batch, 31L * batch + 7, batch > 7 ? 10 : 0);
                    if (dt == DType.FLOAT32) {
                        in = in.roundedToFloat();
                    }
                    ScOracle.Expected ex = ScOracle.expected(p, in);
                    ScHostRunner.Results r = ScHostRunner.run(exe, plan, dt, batch, in.x(), in.species(), in.w(), in.g(),
                            in.dx(), in.dw());
                    double fwd = dt == DType.FLOAT64 ? Tolerance.FLOAT64 : Tolerance.FLOAT32_FORWARD;
                    double bwd = dt == DType.FLOAT64 ? Tolerance.FLOAT64 : Tolerance.FLOAT32_BACKWARD;
                    String what = en.getKey() + " " + dt + " batch " + batch;
                    check(failures, ex.out(), r.out(), fwd, what + " out");
                    check(failures, ex.gx(), r.gx(), bwd, what + " gx");
                    check(failures, ex.gw(), r.gw(), bwd, what + " gw");
                    check(failures, ex.ggx(), r.ggx(), bwd, what + " ggx");
                    check(failures, ex.ggw(), r.ggw(), bwd, what + " ggw");
                    check(failures, ex.ggOut(), r.ggOut(), bwd, what + " ggOut");
                }
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    private static void check(List<String> failures, double[] expected, double[] actual, double tol, String what) {
        double err = Tolerance.relativeError(expected, actual);
        if (!(err <= tol)) {
            failures.add(what + ": relative error " + err + " > " + tol);
        }
    }
}
