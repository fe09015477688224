package org.e3spark.kernels.internal.codegen;

import org.e3spark.kernels.gpu.GpuTarget;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.Instruction;
import org.e3spark.kernels.Layout;
import org.e3spark.kernels.ProblemCatalog;
import org.e3spark.kernels.TPProblem;

/**
 * Tool (not a test): writes generated CUDA sources and JSON manifests for the GPU harness
 * ({@code src/test/python/harness.py}) into a staging folder, default {@code /work/main/.gpu/codegen}.
 * Run: {@code java -cp ... org.e3spark.kernels.internal.codegen.CodegenDump [dir]}.
 */
public final class CodegenDump {

    /** OpenEquivariance H100 figures of SPEC §9 (ms): forward, backward. */
    static final Map<String, double[]> OEQ = Map.of(
            "mace-large", new double[] {1.09, 2.69}, "mace-medium", new double[] {0.50, 1.05},
            "nequip-lips", new double[] {0.47, 1.26}, "nequip-revmd17-benzene", new double[] {4.88, 14.13},
            "nequip-water", new double[] {0.16, 0.40}, "DiffDock-L=2", new double[] {0.86, 2.39},
            "tetris-poly-2", new double[] {0.13, 0.75});

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args.length > 0 ? args[0] : "/work/main/.gpu/codegen");
        Files.createDirectories(dir.resolve("cases"));
        Map<String, TPProblem> checks = new LinkedHashMap<>();
        ProblemCatalog.benchmarks().forEach((n, p) -> checks.put("bench_" + n, p));
        GoldenProblems.all().forEach((n, p) -> {
            checks.put("golden_" + n, p);
            checks.put("golden_" + n + "_irmul", p.withLayout(Layout.IR_MUL));
        });
        RandomProblems.all().forEach(checks::put);
        checks.put("bench_mace-large_irmul", ProblemCatalog.benchmarks().get("mace-large").withLayout(Layout.IR_MUL));
        checks.put("bench_tetris_perrow", ProblemCatalog.benchmarks().get("tetris-poly-2").withSharedWeights(false));
        int count = 0;
        for (var e : checks.entrySet()) {
            for (DType dt : DType.values()) {
                String id = (e.getKey() + "_" + dt.name().toLowerCase()).replaceAll("[^A-Za-z0-9_.-]", "_");
                GeneratedKernels g = KernelGenerator.generate(e.getValue(), dt, GpuTarget.H100);
                Files.writeString(dir.resolve("cases").resolve(id + ".cu"), g.source());
                Files.writeString(dir.resolve("cases").resolve(id + ".json"), manifest(e.getKey(), id, e.getValue(), dt, g));
                count++;
            }
        }
        if (!Boolean.getBoolean("e3spark.dump.noSweep")) {
            count += sweep(dir);
        }
        System.out.println("wrote " + count + " cases to " + dir);
    }

    /** Forward/backward-only variants of the float32 benchmarks under other planner budgets, for timing only. */
    static int sweep(Path dir) throws IOException {
        int count = 0;
        PlannerTuning[] tunings = {new PlannerTuning(8 * 1024, 128, true, false, 0, false),
            new PlannerTuning(6 * 1024, 128, true, false, 12 * 1024, false)};
        for (var e : ProblemCatalog.benchmarks().entrySet()) {
            for (PlannerTuning t : tunings) {
                String variant = "t" + t.targetBytesPerWarp() / 1024 + "k" + t.threadsPerBlock()
                        + (t.unrollBackwardChannels() ? "ub" : "") + "w" + t.stagedWeightRowBytes() / 1024
                        + (t.stageWeightsInForward() ? "f" : "");
                String id = ("sweep_" + e.getKey() + "_" + variant + "_float32").replaceAll("[^A-Za-z0-9_.-]", "_");
                GeneratedKernels g = KernelGenerator.generate(e.getValue(), DType.FLOAT32, GpuTarget.H100,
                        java.util.List.of(KernelKind.FORWARD, KernelKind.BACKWARD), t);
                Files.writeString(dir.resolve("cases").resolve(id + ".cu"), g.source());
                String m = manifest("bench_" + e.getKey(), id, e.getValue(), DType.FLOAT32, g);
                m = m.replaceFirst("\\{", "{\n  \"sweep\" : \"" + variant + "\",");
                Files.writeString(dir.resolve("cases").resolve(id + ".json"), m);
                count++;
            }
        }
        return count;
    }

    static String manifest(String name, String id, TPProblem p, DType dt, GeneratedKernels g) throws IOException {
        ObjectMapper om = new ObjectMapper();
        ObjectNode n = om.createObjectNode();
        n.put("name", name);
        n.put("id", id);
        n.put("source", id + ".cu");
        n.put("dtype", dt == DType.FLOAT64 ? "float64" : "float32");
        n.put("layout", p.layout() == Layout.MUL_IR ? "mul_ir" : "ir_mul");
        n.put("irreps_in1", p.in1().toString());
        n.put("irreps_in2", p.in2().toString());
        n.put("irreps_out", p.out().toString());
        n.put("irrep_normalization", p.irrepNormalization().name().toLowerCase());
        n.put("path_normalization", p.pathNormalization().name().toLowerCase());
        n.put("shared_weights", p.sharedWeights());
        n.put("weight_numel", p.weightNumel());
        ArrayNode ins = n.putArray("instructions");
        for (Instruction i : p.instructions()) {
            ArrayNode a = ins.addArray();
            a.add(i.in1()).add(i.in2()).add(i.out()).add(i.mode().e3nnName()).add(i.hasWeight()).add(i.pathWeight());
        }
        ArrayNode coeffs = n.putArray("coefficients");
        for (int k = 0; k < p.instructions().size(); k++) {
            coeffs.add(p.pathCoefficient(k));
        }
        ArrayNode entries = n.putArray("entries");
        for (GeneratedKernels.Entry e : g.entries()) {
            ObjectNode en = entries.addObject();
            en.put("name", e.name());
            en.put("kind", e.kind().name());
            en.put("threads", e.launch().threadsPerBlock());
            en.put("rows_per_block", e.launch().rowsPerBlock());
            en.put("max_blocks", e.launch().maxBlocks());
            en.put("smem", e.launch().dynamicSmemBytes());
            ArrayNode z = en.putArray("zero_first");
            e.zeroFirst().forEach(z::add);
        }
        String bench = name.startsWith("bench_") ? name.substring(6).replace("_irmul", "") : null;
        if (bench != null && OEQ.containsKey(bench)) {
            n.put("bench", bench);
            n.put("oeq_fwd_ms", OEQ.get(bench)[0]);
            n.put("oeq_bwd_ms", OEQ.get(bench)[1]);
        }
        return om.writerWithDefaultPrettyPrinter().writeValueAsString(n);
    }
}
