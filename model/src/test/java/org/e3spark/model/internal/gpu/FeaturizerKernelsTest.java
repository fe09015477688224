package org.e3spark.model.internal.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.hip.AmdGpuArch;
import org.e3spark.kernels.hip.HipCodeObject;
import org.e3spark.kernels.hip.HipKernelCompileException;
import org.e3spark.kernels.hip.Hiprtc;
import org.e3spark.kernels.hip.HiprtcUnavailableException;
import org.e3spark.kernels.gpu.GpuTarget;
import org.e3spark.model.FeaturizerConfig;
import org.e3spark.model.FeaturizerConfigs;
import org.e3spark.model.internal.ModelPlan;
import org.e3spark.model.internal.RadialBasis;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The featurizer's generated dense-stage kernels: one rendering for both dialects (they differ only
 * in the prelude), every kernel defined once, and the HIP rendering accepted by hiprtc for a wave64
 * target (skipped visibly where hiprtc is not installed; CI installs it). Their numbers are checked
 * on the GPU by {@code DeviceFeaturizerGpuTest}.
 */
class FeaturizerKernelsTest {

    private static final String PRELUDE_END = "// ---- end of prelude ----";

    static List<FeaturizerConfig> configs() {
        return List.of(FeaturizerConfig.bundled("featurizer-small"), FeaturizerConfigs.wide());
    }

    static FeaturizerKernels kernels(FeaturizerConfig c, DType dtype) {
        return new FeaturizerKernels(new ModelPlan(c), new RadialBasis(c.edgeFeatures().bessel(), c.edgeFeatures().envelope()),
                1.0 / Math.sqrt(c.avgNumNeighbors()), dtype);
    }

    @Test
    void cudaAndHipRenderingsDifferOnlyInThePrelude() {
        for (FeaturizerConfig c : configs()) {
            for (DType dt : DType.values()) {
                FeaturizerKernels k = kernels(c, dt);
                String cuda = k.render(GpuTarget.Dialect.CUDA, 32);
                String hip = k.render(GpuTarget.Dialect.HIP, 64);
                assertEquals(body(cuda), body(hip), c.name() + " " + dt);
                for (String name : k.kernelNames()) {
                    int first = cuda.indexOf(name + "(");
                    assertTrue(first > 0, name + " is defined");
                    assertEquals(-1, cuda.indexOf(name + "(", first + 1), name + " is defined once");
                }
                if (dt == DType.FLOAT32) {
                    String code = body(cuda).replaceAll("//[^\n]*", "");
                    assertTrue(!code.matches("(?s).*\\b(exp|sin|sqrt)\\(.*"), "float kernels call only single-precision math");
                    assertTrue(code.contains("expf(") && code.contains("sinf(") && code.contains("sqrtf("));
                }
            }
        }
    }

    @Test
    void everyShapeIsALiteral() {
        FeaturizerConfig c = FeaturizerConfig.bundled("featurizer-small");
        String src = kernels(c, DType.FLOAT32).render(GpuTarget.Dialect.CUDA, 32);
        ModelPlan plan = new ModelPlan(c);
        // the layer-1 radial MLP writes rows of the convolution's weight count
        int width = plan.layers().get(1).conv().weightNumel();
        assertTrue(src.contains("t / " + width + ";"), "MLP tile row width " + width);
        // the invariants kernel covers the per-atom feature width
        assertTrue(src.contains("atoms * " + plan.atomFeatureWidth()), "feature width " + plan.atomFeatureWidth());
    }

    @Test
    void hipRenderingCompilesWithHiprtc() {
        Hiprtc h;
        try {
            h = Hiprtc.system();
        } catch (HiprtcUnavailableException e) {
            String reason = "SKIPPED: hiprtc is not installed; the featurizer's HIP kernels were not compiled. " + e.getMessage();
            System.out.println(reason);
            Assumptions.abort(reason);
            return;
        }
        List<String> failures = new ArrayList<>();
        AmdGpuArch arch = AmdGpuArch.GFX90A;
        for (FeaturizerConfig c : configs()) {
            for (DType dt : DType.values()) {
                FeaturizerKernels k = kernels(c, dt);
                String where = c.name() + " " + dt + " for " + arch;
                try {
                    long t0 = System.nanoTime();
                    HipCodeObject code = h.compile(k.render(GpuTarget.Dialect.HIP, arch.wavefrontSize()),
                            "featurizer_" + c.name().replace('-', '_') + "_" + dt + ".hip", arch, List.of());
                    String image = new String(code.code(), StandardCharsets.ISO_8859_1);
                    for (String name : k.kernelNames()) {
                        if (!image.contains(name + "\0")) {
                            failures.add(where + ": code object lacks " + name);
                        }
                    }
                    System.out.printf("hiprtc featurizer %-40s %8d bytes in %5d ms%n", where, code.codeSize(),
                            (System.nanoTime() - t0) / 1_000_000);
                } catch (HipKernelCompileException e) {
                    failures.add(where + ": " + e.getMessage());
                }
            }
        }
        if (!failures.isEmpty()) {
            fail(String.join("\n", failures));
        }
    }

    private static String body(String source) {
        int at = source.indexOf(PRELUDE_END);
        assertTrue(at > 0, "prelude marker present");
        return source.substring(at);
    }
}
