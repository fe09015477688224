package org.e3spark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.e3spark.data.SampleDataset;
import org.e3spark.kernels.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PyTorch export of docs/guide.md, section 6. Its ```python block writes safetensors by hand;
 * that writer runs here wherever python3 does, on the seeded weights, and the Java loader must read
 * back every value bit for bit. Where python3 also imports torch and e3nn, the documented command
 * runs for real through docs/scripts/check-weights-export.sh: the block exports e3nn modules, e3nn
 * evaluates them, and {@code org.e3spark.cli.WeightsExportCheck} recomputes each piece with e3spark's layers.
 */
class WeightsExportDocTest {

    static final Path ROOT = Path.of(System.getProperty("user.dir")).resolve("..").normalize();
    static final Path GUIDE = ROOT.resolve("docs/guide.md");
    static final String SCRIPT_NAME = "export_e3nn_weights.py";

    /** The guide's one ```python block. */
    static String pythonBlock() throws IOException {
        List<String> lines = Files.readAllLines(GUIDE);
        List<String> blocks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).equals("```python")) {
                StringBuilder b = new StringBuilder();
                while (!lines.get(++i).equals("```")) {
                    b.append(lines.get(i)).append('\n');
                }
                blocks.add(b.toString());
            }
        }
        assertEquals(1, blocks.size(), "python blocks in " + GUIDE + " (check-weights-export.sh takes the only one)");
        return blocks.get(0);
    }

    /** The guide's command lines that run the script, as words. */
    static List<List<String>> documentedRuns() throws IOException {
        return Files.readAllLines(GUIDE).stream().map(String::strip).filter(l -> l.startsWith("python3 " + SCRIPT_NAME + " "))
                .map(l -> List.of(l.split("\\s+"))).toList();
    }

    record Result(int exit, String output) {
    }

    static Result run(List<String> cmd, Path dir, long seconds, String... env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        for (int i = 0; i < env.length; i += 2) {
            pb.environment().put(env[i], env[i + 1]);
        }
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            return new Result(-1, e.getMessage());
        }
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            return new Result(-2, "timed out after " + seconds + " s\n" + new String(out, StandardCharsets.UTF_8));
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /** Runs the block's save_safetensors alone (no torch needed): takes {name: {shape, values}} JSON. */
    static final String WRITER_HARNESS = """
            import ast, json, struct, sys
            snippet, tensors_json, out = sys.argv[1:]
            tree = ast.parse(open(snippet).read(), snippet)
            defs = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
            missing = {"save_safetensors", "export", "FeaturizerModules"} - set(defs)
            if missing:
                sys.exit(f"the guide's script does not define {sorted(missing)}")
            ns = {"json": json, "struct": struct}
            exec(compile(ast.Module(body=[defs["save_safetensors"]], type_ignores=[]), snippet, "exec"), ns)
            with open(tensors_json) as f:
                tensors = json.load(f)
            ns["save_safetensors"]({k: (t["shape"], t["values"]) for k, t in tensors.items()}, out)
            """;

    @Test
    void theBlocksSafetensorsWriterRoundTripsThroughTheJavaLoader(@TempDir Path tmp) throws Exception {
        Result python = run(List.of("python3", "--version"), tmp, 30);
        assumeTrue(python.exit() == 0, "python3 is not runnable here: " + python.output());
        Files.writeString(tmp.resolve(SCRIPT_NAME), pythonBlock());
        Files.writeString(tmp.resolve("harness.py"), WRITER_HARNESS);
        Path config = ROOT.resolve("conf/featurizer-small.json");
        FeaturizerModel seeded = FeaturizerModel.seeded(FeaturizerConfig.read(config));
        ObjectMapper json = new ObjectMapper();
        ObjectNode tensors = json.createObjectNode();
        for (NamedTensor t : seeded.weights().values()) {
            ObjectNode o = tensors.putObject(t.name());
            o.putPOJO("shape", t.shape());
            o.putPOJO("values", t.values());
        }
        json.writeValue(tmp.resolve("tensors.json").toFile(), tensors);
        Path file = tmp.resolve("seeded.safetensors");
        Result r = run(List.of("python3", "harness.py", SCRIPT_NAME, "tensors.json", file.toString()), tmp, 120);
        assertEquals(0, r.exit(), "the guide's save_safetensors failed:\n" + r.output());

        FeaturizerModel loaded = FeaturizerModel.load(config, file);
        assertEquals(seeded.weights(), loaded.weights(), "values written by the guide's script differ once read back");
        try (Featurizer f = Featurizer.create(loaded, ComputeTarget.cpu(), DType.FLOAT64)) {
            FeaturizerResult result = f.featurize(SampleDataset.load(), false);
            assertEquals(SampleDataset.load().size(), result.structureCount());
            assertTrue(java.util.Arrays.stream(result.structureFeatures()).allMatch(Double::isFinite));
        }
    }

    @Test
    void theDocumentedExportRunsAndAgreesWithE3nn(@TempDir Path tmp) throws Exception {
        List<List<String>> runs = documentedRuns();
        assertEquals(1, runs.size(), "lines running " + SCRIPT_NAME + " in " + GUIDE);
        List<String> line = runs.get(0);
        assertEquals(4, line.size(), "python3 " + SCRIPT_NAME + " CONFIG.json OUT.safetensors: " + line);
        assertTrue(Files.isRegularFile(ROOT.resolve(line.get(2))), "the documented config " + line.get(2) + " is not there");
        assertTrue(line.get(3).endsWith(".safetensors"), "the documented output " + line.get(3));

        Result imports = run(List.of("python3", "-c", "import torch, e3nn; print(torch.__version__, e3nn.__version__)"), tmp, 120);
        String why = "python3 cannot import torch and e3nn here, so the export itself is not run"
                + " (docs/scripts/check-weights-export.sh runs it where they are): "
                + imports.output().strip().lines().reduce((a, b) -> b).orElse("");
        if (imports.exit() != 0) {
            System.out.println("WeightsExportDocTest: skipped: " + why);
        }
        assumeTrue(imports.exit() == 0, why);
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Result r = run(List.of("bash", "docs/scripts/check-weights-export.sh", line.get(2)), ROOT, 600,
                "JAVA", Path.of(System.getProperty("java.home"), "bin", "java").toString(), "CP", classpath, "OUT", "");
        System.out.println(r.output());
        assertEquals(0, r.exit(), "check-weights-export.sh failed:\n" + r.output());
        assertTrue(r.output().contains("weights export check: all passed"), r.output());
    }
}
