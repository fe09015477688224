package org.e3spark.kernels.internal.codegen;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.e3spark.kernels.ConnectionMode;
import org.e3spark.kernels.Instruction;
import org.e3spark.kernels.IrrepNormalization;
import org.e3spark.kernels.Irreps;
import org.e3spark.kernels.PathNormalization;
import org.e3spark.kernels.TPProblem;

/**
 * Reads the e3nn 0.6.0 golden tensor-product files into problems. The files store e3nn's final
 * per-instruction coefficient as {@code path_weight}; the user path weight is recovered so that
 * the problem's own coefficient equals the stored one.
 */
final class GoldenProblems {

    static final Path DIR = Path.of(System.getProperty("e3spark.golden",
            "/work/shared/golden/e3nn-0.6.0"));

    private GoldenProblems() {
    }

    static Map<String, TPProblem> all() {
        Map<String, TPProblem> m = new LinkedHashMap<>();
        if (!Files.isDirectory(DIR)) {
            return m;
        }
        try (Stream<Path> files = Files.list(DIR)) {
            for (Path f : files.sorted().toList()) {
                JsonNode n = new ObjectMapper().readTree(f.toFile());
                if ("tensor_product".equals(n.path("kind").asText())) {
                    m.put(n.get("name").asText(), read(n));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return m;
    }

    static TPProblem read(JsonNode n) {
        Irreps in1 = Irreps.parse(n.get("irreps_in1").asText());
        Irreps in2 = Irreps.parse(n.get("irreps_in2").asText());
        Irreps out = Irreps.parse(n.get("irreps_out").asText());
        IrrepNormalization irrepNorm = IrrepNormalization.valueOf(n.get("irrep_normalization").asText().toUpperCase(Locale.ROOT));
        PathNormalization pathNorm = PathNormalization.valueOf(n.get("path_normalization").asText().toUpperCase(Locale.ROOT));
        TPProblem.Builder b = TPProblem.builder(in1, in2, out).irrepNormalization(irrepNorm).pathNormalization(pathNorm)
                .sharedWeights(n.get("shared_weights").asBoolean());
        for (JsonNode i : n.get("instructions")) {
            b.instruction(i.get("i_in1").asInt(), i.get("i_in2").asInt(), i.get("i_out").asInt(),
                    ConnectionMode.fromE3nn(i.get("connection_mode").asText()), i.get("has_weight").asBoolean(), 1.0);
        }
        TPProblem unit = b.build();
        // rebuild the instruction list with recovered user path weights: c_target = c_unit * sqrt(pw)
        TPProblem.Builder rebuilt = TPProblem.builder(in1, in2, out).irrepNormalization(irrepNorm)
                .pathNormalization(pathNorm).sharedWeights(unit.sharedWeights());
        int k = 0;
        for (JsonNode i : n.get("instructions")) {
            double target = i.get("path_weight").asDouble();
            double base = unit.pathCoefficient(k);
            double pw = base == 0 ? 1.0 : (target / base) * (target / base);
            Instruction ins = unit.instruction(k);
            rebuilt.instruction(ins.in1(), ins.in2(), ins.out(), ins.mode(), ins.hasWeight(), pw);
            k++;
        }
        return rebuilt.build();
    }
}
