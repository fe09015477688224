package org.e3spark.kernels.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.e3spark.kernels.CgConvention;
import org.e3spark.kernels.ConnectionMode;
import org.e3spark.kernels.IrrepNormalization;
import org.e3spark.kernels.Irreps;
import org.e3spark.kernels.PathNormalization;
import org.e3spark.kernels.TPProblem;

/**
 * Reads reference vectors from {@code ../shared/golden/<folder>} (relative to the project root; e3nn
 * 0.6.0's by default), or from below the folder named by the system property {@code e3spark.golden.dir}.
 */
public final class Golden {

    private static final ObjectMapper JSON = new ObjectMapper();

    private Golden() {
    }

    /** The default golden folder: e3nn 0.6.0's vectors. */
    public static final String E3NN_060 = "e3nn-0.6.0";
    /** e3nn 0.4.4's vectors (the version MACE pins; legacy CG signs). */
    public static final String E3NN_044 = "e3nn-0.4.4";

    /** An e3nn release's golden folder and the CG sign convention that reproduces it. */
    public record Release(String folder, CgConvention convention) {
        @Override
        public String toString() {
            return folder;
        }
    }

    /** Both e3nn releases with goldens: 0.6.0 (current signs) and 0.4.4 (legacy signs, MACE's). */
    public static final List<Release> RELEASES = List.of(
            new Release(E3NN_060, CgConvention.E3NN), new Release(E3NN_044, CgConvention.LEGACY_E3NN_044));

    /** The e3nn 0.6.0 golden folder. */
    public static Path dir() {
        return dir(E3NN_060);
    }

    /**
     * A golden folder under {@code ../shared/golden} ("e3nn-0.6.0", "e3nn-0.4.4", "mace/e3nn-0.4.4", ..),
     * found by walking up from the working directory to the project root.
     */
    public static Path dir(String folder) {
        String configured = System.getProperty("e3spark.golden.dir");
        if (configured != null) {
            return Path.of(configured).resolve(folder);
        }
        Path d = Path.of("").toAbsolutePath();
        for (Path p = d; p != null; p = p.getParent()) {
            Path candidate = p.resolve("../shared/golden/" + folder).normalize();
            if (Files.isDirectory(candidate) && Files.exists(p.resolve("pom.xml"))
                    && Files.exists(p.resolve("gpu-kernels"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("golden vectors not found: expected ../shared/golden/" + folder
                + " beside the project root (searched upwards from " + d + "); set -De3spark.golden.dir to override");
    }

    public static JsonNode read(String name) {
        return read(E3NN_060, name);
    }

    /** A golden file of a folder; {@code .json.gz} files are read through a gzip stream. */
    public static JsonNode read(String folder, String name) {
        Path file = dir(folder).resolve(name);
        try {
            if (name.endsWith(".gz")) {
                try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
                    return JSON.readTree(in);
                }
            }
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read golden file " + file, e);
        }
    }

    /** Names of the e3nn 0.6.0 golden files of the given kind ("tensor_product", "convolution", ...). */
    public static List<String> filesOfKind(String kind) {
        return filesOfKind(E3NN_060, kind);
    }

    /** Names of a folder's golden files ({@code .json} or {@code .json.gz}) of the given kind. */
    public static List<String> filesOfKind(String folder, String kind) {
        try (Stream<Path> files = Files.list(dir(folder))) {
            List<String> names = new ArrayList<>();
            for (Path f : files.sorted().toList()) {
                String n = f.getFileName().toString();
                if (n.endsWith(".json") || n.endsWith(".json.gz")) {
                    JsonNode node = read(folder, n);
                    if (kind.equals(node.path("kind").asText())) {
                        names.add(n);
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
        return problem(g, CgConvention.E3NN);
    }

    /** As {@link #problem(JsonNode)}, in the CG sign convention of the release the golden came from. */
    public static TPProblem problem(JsonNode g, CgConvention convention) {
        TPProblem.Builder b = TPProblem.builder(
                Irreps.parse(g.get("irreps_in1").asText()),
                Irreps.parse(g.get("irreps_in2").asText()),
                Irreps.parse(g.get("irreps_out").asText()));
        b.irrepNormalization(IrrepNormalization.valueOf(g.get("irrep_normalization").asText().toUpperCase()));
        b.pathNormalization(PathNormalization.valueOf(g.get("path_normalization").asText().toUpperCase()));
        b.sharedWeights(g.get("shared_weights").asBoolean());
        b.cgConvention(convention);
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
