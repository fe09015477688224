package org.e3spark.kernels.internal.codegen;

import org.e3spark.kernels.gpu.GpuTarget;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.ProblemCatalog;
import org.e3spark.kernels.SymmetricContractionProblem;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.bundle.BundleTarget;
import org.e3spark.kernels.bundle.KernelSource;
import org.e3spark.kernels.cuda.KernelSources;
import org.junit.jupiter.api.Test;

/**
 * Pins the generated kernel text (program names, options and sources) of the benchmark problems for
 * CUDA and HIP targets: a refactor of the GPU layer must leave it byte-identical, since kernel cache
 * keys and ahead-of-time bundles are keyed by it. A change to a generator that is meant to change
 * kernels updates the hash here, saying so in its commit.
 */
class GeneratedSourcesUnchangedTest {

    private static final List<String> TARGETS = List.of("sm_90", "sm_80", "gfx90a", "gfx1030");

    static String hash(List<KernelSource> units) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (KernelSource u : units) {
            md.update(u.programName().getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(String.join(" ", u.options()).getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            md.update(u.source().getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static List<KernelSource> tensorProducts(boolean convolution) {
        List<KernelSource> all = new ArrayList<>();
        List<TPProblem> problems = List.copyOf(ProblemCatalog.benchmarks().values());
        for (String arch : TARGETS) {
            all.addAll(KernelSources.problems("pinned", problems, List.of(DType.values()), convolution)
                    .sources(BundleTarget.of(arch)));
        }
        return all;
    }

    @Test
    void tensorProductSourcesAreUnchanged() throws Exception {
        assertEquals("16828a6860434031657566570c777d58d16cb727a45ec8b061ef0cf79f38ce7b", hash(tensorProducts(false)), "generated tensor-product kernels changed");
    }

    @Test
    void convolutionSourcesAreUnchanged() throws Exception {
        assertEquals("c18728f70625f42ec57f62834a930b526701fb001de1c48d8b6b89bbc024dd50", hash(tensorProducts(true)), "generated convolution kernels changed");
    }

    /** Pinned on the emitter whose kernels passed the H200 tests (two passes per chunk in the tangent kernels). */
    @Test
    void symmetricContractionSourcesAreUnchanged() throws Exception {
        Map<String, SymmetricContractionProblem> problems = SymmetricContractionEmitterTest.problems();
        List<KernelSource> all = new ArrayList<>();
        for (String arch : TARGETS) {
            GpuTarget target = BundleTarget.of(arch).target();
            for (var e : problems.entrySet()) {
                SymmetricContractionPlan plan = SymmetricContractionPlan.of(e.getValue());
                for (DType dt : DType.values()) {
                    all.add(new KernelSource(e.getKey() + "_" + dt + "_" + arch,
                            SymmetricContractionEmitter.generate(plan, dt, target, List.of(ScKernel.values())).source(),
                            List.of(), "pinned"));
                }
            }
        }
        assertEquals("50aa062b3cb4a867e9fbff99da03619d79c21771d64100148a5634cb0114b699", hash(all), "generated symmetric-contraction kernels changed");
    }
}
