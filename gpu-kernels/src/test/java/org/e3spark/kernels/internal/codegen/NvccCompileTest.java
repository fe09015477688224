package org.e3spark.kernels.internal.codegen;

import org.e3spark.kernels.gpu.GpuTarget;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.ProblemCatalog;
import org.e3spark.kernels.TPProblem;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles generated CUDA with {@code nvcc -cubin -arch=sm_90} when nvcc is on the PATH (CI has none:
 * the test then skips and says so). Covers every SPEC §9 problem and the corner-case problems in
 * both dtypes; compiles run in parallel.
 */
class NvccCompileTest {

    @Test
    void generatedCudaCompilesWithNvcc(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(nvccAvailable(), "SKIPPED: nvcc is not on the PATH; generated CUDA was not compiled");
        Map<String, TPProblem> problems = new LinkedHashMap<>(ProblemCatalog.benchmarks());
        problems.putAll(RandomProblems.all());
        List<Path> sources = new ArrayList<>();
        for (var e : problems.entrySet()) {
            for (DType dt : DType.values()) {
                Path f = dir.resolve((e.getKey() + "_" + dt).replaceAll("[^A-Za-z0-9_]", "_") + ".cu");
                Files.writeString(f, KernelGenerator.generate(e.getValue(), dt, GpuTarget.H100).source());
                sources.add(f);
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors()));
        try {
            List<Future<String>> results = new ArrayList<>();
            for (Path f : sources) {
                results.add(pool.submit(() -> compile(f)));
            }
            List<String> errors = new ArrayList<>();
            for (Future<String> r : results) {
                String err = r.get(15, TimeUnit.MINUTES);
                if (err != null) {
                    errors.add(err);
                }
            }
            if (!errors.isEmpty()) {
                fail(errors.size() + " of " + sources.size() + " sources failed to compile:\n" + String.join("\n", errors));
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(sources.size() >= 14);
    }

    /** The convolution variants of a few problems (uvu per-edge, uvu shared weights, mixed uvw). */
    @Test
    void generatedConvolutionCudaCompilesWithNvcc(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(nvccAvailable(), "SKIPPED: nvcc is not on the PATH; generated CUDA was not compiled");
        Map<String, TPProblem> problems = new LinkedHashMap<>();
        problems.put("conv_mace-medium", ProblemCatalog.problem("mace-medium"));
        problems.put("conv_nequip-water-shared", ProblemCatalog.problem("nequip-water").withSharedWeights(true));
        problems.put("conv_mixed_shared_irmul", RandomProblems.all().get("mixed_shared_irmul"));
        List<String> errors = new ArrayList<>();
        DType dt = DType.FLOAT32;
        for (var e : problems.entrySet()) {
            Path f = dir.resolve((e.getKey() + "_" + dt).replaceAll("[^A-Za-z0-9_]", "_") + ".cu");
            Files.writeString(f, KernelGenerator.generateConv(e.getValue(), dt, GpuTarget.H100,
                    List.of(KernelKind.values()), PlannerTuning.DEFAULT).source());
            String err = compile(f);
            if (err != null) {
                errors.add(err);
            }
            dt = dt == DType.FLOAT32 ? DType.FLOAT64 : DType.FLOAT32;
        }
        if (!errors.isEmpty()) {
            fail(String.join("\n", errors));
        }
    }

    /** The symmetric-contraction kernels (every group, both dtypes) of MACE-MP-medium's shape and a small odd-parity one. */
    @Test
    void generatedSymmetricContractionCudaCompilesWithNvcc(@TempDir Path dir) throws Exception {
        Assumptions.assumeTrue(nvccAvailable(), "SKIPPED: nvcc is not on the PATH; generated CUDA was not compiled");
        Map<String, org.e3spark.kernels.SymmetricContractionProblem> problems = new LinkedHashMap<>();
        problems.put("sc_mace_mp_medium", SymmetricContractionEmitterTest.sc("128x0e+128x1o+128x2e+128x3o",
                "128x0e+128x1o", 3, 10, org.e3spark.kernels.CgConvention.E3NN));
        problems.put("sc_corr3_odd", SymmetricContractionEmitterTest.problems().get("corr3 odd"));
        List<String> errors = new ArrayList<>();
        for (var e : problems.entrySet()) {
            SymmetricContractionPlan plan = SymmetricContractionPlan.of(e.getValue());
            for (DType dt : DType.values()) {
                Path f = dir.resolve((e.getKey() + "_" + dt) + ".cu");
                Files.writeString(f, SymmetricContractionEmitter.generate(plan, dt, GpuTarget.H100,
                        List.of(ScKernel.values())).source());
                String err = compile(f);
                if (err != null) {
                    errors.add(err);
                }
            }
        }
        if (!errors.isEmpty()) {
            fail(String.join("\n", errors));
        }
    }

    private static String compile(Path source) throws IOException, InterruptedException {
        Path cubin = Path.of(source.toString().replace(".cu", ".cubin"));
        Process p = new ProcessBuilder("nvcc", "-cubin", "-arch=sm_90", "-o", cubin.toString(), source.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        if (rc != 0 || log.contains("error") || !Files.exists(cubin)) {
            return source.getFileName() + " (exit " + rc + "):\n" + log.lines().limit(30).reduce("", (a, b) -> a + b + "\n");
        }
        return null;
    }

    private static boolean nvccAvailable() {
        try {
            Process p = new ProcessBuilder("nvcc", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
