package org.e3spark.kernels.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.e3spark.kernels.ConnectionMode;
import org.e3spark.kernels.IrrepNormalization;
import org.e3spark.kernels.Irreps;
import org.e3spark.kernels.PathNormalization;
import org.e3spark.kernels.TPProblem;

/**
 * Reads e3nn 0.6.0 reference vectors from {@code ../shared/golden/e3nn-0.6.0} (relative to the
 * project root), or from the folder named by the system property {@code e3spark.golden.dir}.
 */
public final class Golden {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Golden() {
    }

    /** The golden folder; found by walking up from the working directory to the project root. */
    public static Path dir() {
        String configured = System.getProperty("e3spark.golden.dir");
        if (configured != null) {
            return Path.of(configured).resolve("e3nn-0.6.0");
        }
        Path d = Path.of("").toAbsolutePath();
        for (Path p = d; p != null; p = p.getParent()) {
            Path candidate = p.resolve("../shared/golden/e3nn-0.6.0").normalize();
            if (Files.isDirectory(candidate) && Files.exists(p.resolve("pom.xml"))
                    && Files.exists(p.resolve("gpu-kernels"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("golden vectors not found: expected ../shared/golden/e3nn-0.6.0 beside the project root"
                + " (searched upwards from " + d + "); set -De3spark.golden.dir to override");
    }

    public static JsonNode read(String name) {
        try {
            return JSON.readTree(dir().resolve(name).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read golden file " + name, e);
        }
    }

    /** Names of the golden files of the given kind ("tensor_product", "convolution", ...). */
    public static List<String> filesOfKind(String kind) {
        try (Stream<Path> files = Files.list(dir())) {
            List<String> names = new ArrayList<>();
            for (Path f : files.sorted().toList()) {
                if (f.toString().endsWith(".json")) {
                    JsonNode node = JSON.readTree(f.toFile());
                    if (kind.equals(node.path("kind").asText())) {
                        names.add(f.getFileName().toString());
                    }
                }
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static double[] doubles(JsonNode node, String field) {
        JsonNode a = node.get(field);
        if (a == null) {
            throw new IllegalArgumentException("golden has no field '" + field + "'");
        }
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asDouble();
        }
        return out;
    }

    public static int[] ints(JsonNode node, String field) {
        JsonNode a = node.get(field);
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).asInt();
        }
        return out;
    }

    /** The problem a tensor_product or convolution golden was made with, rebuilt from e3nn's arguments. */
    public static TPProblem problem(JsonNode g) {
        TPProblem.Builder b = TPProblem.builder(
                Irreps.parse(g.get("irreps_in1").asText()),
                Irreps.parse(g.get("irreps_in2").asText()),
                Irreps.parse(g.get("irreps_out").asText()));
        b.irrepNormalization(IrrepNormalization.valueOf(g.get("irrep_normalization").asText().toUpperCase()));
        b.pathNormalization(PathNormalization.valueOf(g.get("path_normalization").asText().toUpperCase()));
        b.sharedWeights(g.get("shared_weights").asBoolean());
        double[] userPathWeights = userPathWeights(g);
        int k = 0;
        for (JsonNode ins : g.get("instructions")) {
            b.instruction(ins.get("i_in1").asInt(), ins.get("i_in2").asInt(), ins.get("i_out").asInt(),
                    ConnectionMode.fromE3nn(ins.get("connection_mode").asText()),
                    ins.get("has_weight").asBoolean(), userPathWeights[k++]);
        }
        return b.build();
    }

    /**
     * The user path weights given to e3nn: 1 everywhere except the file the golden README names,
     * where both normalizations are "none" and the recorded final coefficients are their roots.
     */
    private static double[] userPathWeights(JsonNode g) {
        int n = g.get("instructions").size();
        double[] w = new double[n];
        boolean noneNone = "none".equals(g.get("irrep_normalization").asText())
                && "none".equals(g.get("path_normalization").asText());
        int k = 0;
        for (JsonNode ins : g.get("instructions")) {
            double recorded = ins.get("path_weight").asDouble();
            w[k++] = noneNone ? recorded * recorded : 1.0;
        }
        return w;
    }
}
