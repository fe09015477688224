package org.e3spark.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.e3spark.data.Elements;
import org.e3spark.graph.BesselBasis;
import org.e3spark.graph.EdgeFeatures;
import org.e3spark.graph.PolynomialCutoff;
import org.e3spark.graph.RadiusGraph;
import org.e3spark.kernels.Irrep;
import org.e3spark.kernels.Irreps;
import org.e3spark.kernels.MulIr;

/**
 * The architecture of an equivariant featurizer, as written in a {@code conf/featurizer-*.json}
 * file: cutoff (Å), radial basis (Bessel functions with a polynomial envelope, and the hidden
 * sizes of the per-edge radial MLP), lmax of the edge spherical harmonics, the embedding irreps
 * (scalars, one channel block per species embedding), the hidden irreps of each of the
 * {@code num_layers} interaction layers, the neighbor-count normalization, the species list (its
 * order is the one-hot order of the embedding weights) and the seed of the deterministic
 * initialization. Validated on construction; {@link #toJson()} writes the canonical form
 * ({@link #parse} of it gives an equal config).
 *
 * <p>Hidden irreps hold even scalars ({@code 0e}, activated by SiLU) and blocks of l &gt; 0 (gated
 * by sigmoids of extra scalars), as NequIP's gated interaction blocks.
 */
public record FeaturizerConfig(String name, double cutoff, int radialCount, BesselBasis.Prefactor radialPrefactor,
                               int envelopeP, List<Integer> radialHidden, int lmax, Irreps embeddingIrreps,
                               List<Irreps> hiddenIrreps, double avgNumNeighbors, List<Integer> species, long seed) {

    /** Version of the config format this code reads and writes. */
    public static final int FORMAT_VERSION = 1;

    /** The range of avg_num_neighbors: a mean neighbor count, far below one or above a million is a mistake. */
    public static final double MIN_AVG_NUM_NEIGHBORS = 1e-3;
    public static final double MAX_AVG_NUM_NEIGHBORS = 1e6;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> KEYS = Set.of("name", "description", "format_version", "cutoff", "radial", "lmax",
            "embedding_irreps", "hidden_irreps", "num_layers", "avg_num_neighbors", "species", "seed");
    private static final Set<String> RADIAL_KEYS = Set.of("basis", "count", "prefactor", "envelope_p", "mlp_hidden");

    public FeaturizerConfig {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("featurizer config needs a name");
        }
        if (!(cutoff > 0) || !Double.isFinite(cutoff)) {
            throw new IllegalArgumentException(name + ": cutoff must be a positive length in Å, got " + cutoff);
        }
        if (radialCount < 1 || radialCount > 128) {
            throw new IllegalArgumentException(name + ": radial.count must be in 1..128, got " + radialCount);
        }
        if (radialPrefactor == null) {
            throw new IllegalArgumentException(name + ": radial.prefactor is required (mace or nequip)");
        }
        if (envelopeP < 1 || envelopeP > 64) {
            throw new IllegalArgumentException(name + ": radial.envelope_p must be in 1..64, got " + envelopeP);
        }
        radialHidden = List.copyOf(radialHidden);
        for (int h : radialHidden) {
            if (h < 1 || h > 4096) {
                throw new IllegalArgumentException(name + ": radial.mlp_hidden sizes must be in 1..4096, got " + radialHidden);
            }
        }
        if (lmax < 0 || lmax > 6) {
            throw new IllegalArgumentException(name + ": lmax must be in 0..6, got " + lmax);
        }
        if (embeddingIrreps == null || embeddingIrreps.dim() == 0 || !onlyEvenScalars(embeddingIrreps)) {
            throw new IllegalArgumentException(name + ": embedding_irreps must be even scalars such as \"16x0e\", got "
                    + embeddingIrreps);
        }
        hiddenIrreps = List.copyOf(hiddenIrreps);
        if (hiddenIrreps.isEmpty() || hiddenIrreps.size() > 16) {
            throw new IllegalArgumentException(name + ": between 1 and 16 interaction layers are supported, got "
                    + hiddenIrreps.size());
        }
        for (int k = 0; k < hiddenIrreps.size(); k++) {
            Irreps h = hiddenIrreps.get(k);
            int scalars = 0;
            for (MulIr b : h.blocks()) {
                if (b.l() == 0 && b.irrep().parity() < 0) {
                    throw new IllegalArgumentException(name + ": hidden_irreps[" + k + "] = " + h
                            + " has odd scalars (0o); only 0e scalars and l > 0 blocks are supported");
                }
                if (b.l() > 2 * lmax) {
                    throw new IllegalArgumentException(name + ": hidden_irreps[" + k + "] = " + h + " has l = " + b.l()
                            + ", more than a path from the embedding with sh up to lmax " + lmax + " can reach");
                }
                if (b.l() == 0) {
                    scalars += b.mul();
                }
            }
            if (scalars == 0) {
                throw new IllegalArgumentException(name + ": hidden_irreps[" + k + "] = " + h
                        + " needs at least one 0e channel (the readout is invariant)");
            }
        }
        // messages are scaled by 1/sqrt(avg_num_neighbors): 1e-300 made every feature overflow to NaN
        if (!(avgNumNeighbors >= MIN_AVG_NUM_NEIGHBORS && avgNumNeighbors <= MAX_AVG_NUM_NEIGHBORS)) {
            throw new IllegalArgumentException(name + ": avg_num_neighbors must be in " + MIN_AVG_NUM_NEIGHBORS + ".."
                    + MAX_AVG_NUM_NEIGHBORS + " (a mean neighbor count), got " + avgNumNeighbors);
        }
        species = List.copyOf(species);
        if (species.isEmpty() || Set.copyOf(species).size() != species.size()) {
            throw new IllegalArgumentException(name + ": species must be a non-empty list without repeats, got " + species);
        }
        for (int z : species) {
            if (z < 1 || z > Elements.MAX_Z) {
                throw new IllegalArgumentException(name + ": species has atomic number " + z);
            }
        }
    }

    private static boolean onlyEvenScalars(Irreps irreps) {
        for (MulIr b : irreps.blocks()) {
            if (!b.irrep().equals(new Irrep(0, 1))) {
                return false;
            }
        }
        return true;
    }

    public int numLayers() {
        return hiddenIrreps.size();
    }

    /** The spherical-harmonics irreps of the edges: 1x0e + 1x1o + ... up to lmax, parity (-1)^l. */
    public Irreps shIrreps() {
        List<MulIr> blocks = new ArrayList<>();
        for (int l = 0; l <= lmax; l++) {
            blocks.add(new MulIr(1, new Irrep(l, l % 2 == 0 ? 1 : -1)));
        }
        return Irreps.of(blocks);
    }

    public RadiusGraph radiusGraph() {
        return new RadiusGraph(cutoff);
    }

    public EdgeFeatures edgeFeatures() {
        return new EdgeFeatures(lmax, new BesselBasis(cutoff, radialCount, radialPrefactor),
                new PolynomialCutoff(cutoff, envelopeP));
    }

    /** Index of an atomic number in the species list, or -1. */
    public int speciesIndex(int z) {
        return species.indexOf(z);
    }

    // ---------------------------------------------------------------- JSON

    /** Reads a config file. */
    public static FeaturizerConfig read(Path file) {
        try {
            return parse(Files.readString(file), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read featurizer config " + file, e);
        }
    }

    /**
     * A bundled config by name ({@code featurizer-small}), from the jar's copy of {@code conf/}.
     */
    public static FeaturizerConfig bundled(String configName) {
        String resource = "org/e3spark/model/conf/" + configName + ".json";
        try (InputStream in = FeaturizerConfig.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no bundled featurizer config '" + configName + "' (" + resource + ")");
            }
            return parse(new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8), "classpath:" + resource);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Parses config JSON; {@code source} names it in errors. Unknown keys are errors (typos must not pass). */
    public static FeaturizerConfig parse(String json, String source) {
        try {
            JsonNode root = JSON.readTree(json);
            if (root == null || !root.isObject()) {
                throw new IllegalArgumentException("not a JSON object");
            }
            checkKeys(root, KEYS, "");
            int version = root.has("format_version") ? intValue(root, "format_version", "") : FORMAT_VERSION;
            if (version != FORMAT_VERSION) {
                throw new IllegalArgumentException("format_version " + version + " is not supported (this build reads "
                        + FORMAT_VERSION + ")");
            }
            JsonNode radial = required(root, "radial");
            checkKeys(radial, RADIAL_KEYS, "radial.");
            String basis = radial.has("basis") ? text(radial, "basis", "radial.") : "bessel";
            if (!basis.equals("bessel")) {
                throw new IllegalArgumentException("radial.basis '" + basis + "' is not supported (bessel)");
            }
            String pre = radial.has("prefactor") ? text(radial, "prefactor", "radial.") : "nequip";
            BesselBasis.Prefactor prefactor = switch (pre) {
                case "nequip" -> BesselBasis.Prefactor.NEQUIP;
                case "mace" -> BesselBasis.Prefactor.MACE;
                default -> throw new IllegalArgumentException("radial.prefactor must be nequip or mace, got '" + pre + "'");
            };
            List<Integer> hidden = new ArrayList<>();
            JsonNode mlp = radial.path("mlp_hidden");
            if (!mlp.isMissingNode() && !mlp.isArray()) {
                throw new IllegalArgumentException("'radial.mlp_hidden' must be a list of integers, got " + mlp);
            }
            for (int j = 0; j < mlp.size(); j++) {
                hidden.add(intValue(mlp, j, "radial.mlp_hidden"));
            }
            List<Irreps> layers = new ArrayList<>();
            JsonNode hiddenIrreps = required(root, "hidden_irreps");
            if (!hiddenIrreps.isArray()) {
                throw new IllegalArgumentException("'hidden_irreps' must be a list of irreps strings, got " + hiddenIrreps);
            }
            for (int j = 0; j < hiddenIrreps.size(); j++) {
                JsonNode h = hiddenIrreps.get(j);
                if (!h.isTextual()) {
                    throw new IllegalArgumentException("'hidden_irreps[" + j + "]' must be an irreps string, got " + h);
                }
                layers.add(Irreps.parse(h.asText()));
            }
            if (root.has("num_layers") && intValue(root, "num_layers", "") != layers.size()) {
                throw new IllegalArgumentException("num_layers is " + root.get("num_layers") + " but hidden_irreps has "
                        + layers.size() + " entries (one per layer)");
            }
            List<Integer> species = new ArrayList<>();
            JsonNode speciesNode = required(root, "species");
            if (!speciesNode.isArray()) {
                throw new IllegalArgumentException("'species' must be a list of symbols or atomic numbers, got " + speciesNode);
            }
            for (JsonNode s : speciesNode) {
                if (!s.isInt() && !s.isTextual()) {
                    throw new IllegalArgumentException("'species' holds " + s + ", neither a symbol nor an atomic number");
                }
                int z = s.isInt() ? s.asInt() : Elements.number(s.asText());
                if (z == 0) {
                    throw new IllegalArgumentException("unknown species '" + s.asText() + "'");
                }
                species.add(z);
            }
            // every value read as its declared type: Jackson's asInt() would make "two" 0, 2.9 2 and true 1
            return new FeaturizerConfig(root.has("name") ? text(root, "name", "") : "", number(root, "cutoff", ""),
                    radial.has("count") ? intValue(radial, "count", "radial.") : 8, prefactor,
                    radial.has("envelope_p") ? intValue(radial, "envelope_p", "radial.") : 6, hidden,
                    intValue(root, "lmax", ""), Irreps.parse(text(root, "embedding_irreps", "")), layers,
                    number(root, "avg_num_neighbors", ""), species, root.has("seed") ? longValue(root, "seed", "") : 0);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("featurizer config " + source + ": " + e.getMessage(), e);
        }
    }

    /** An integer value that fits an int, or an error naming the key and what it holds. */
    private static int intValue(JsonNode node, String key, String prefix) {
        long v = longValue(node, key, prefix);
        if (v != (int) v) {
            throw new IllegalArgumentException("'" + prefix + key + "' must be an integer, got " + v + " (out of range)");
        }
        return (int) v;
    }

    private static int intValue(JsonNode array, int index, String name) {
        JsonNode v = array.get(index);
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new IllegalArgumentException("'" + name + "[" + index + "]' must be an integer, got " + v);
        }
        return v.intValue();
    }

    private static long longValue(JsonNode node, String key, String prefix) {
        JsonNode v = required(node, key);
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new IllegalArgumentException("'" + prefix + key + "' must be an integer, got " + v);
        }
        return v.longValue();
    }

    private static double number(JsonNode node, String key, String prefix) {
        JsonNode v = required(node, key);
        if (!v.isNumber()) {
            throw new IllegalArgumentException("'" + prefix + key + "' must be a number, got " + v);
        }
        return v.doubleValue();
    }

    private static String text(JsonNode node, String key, String prefix) {
        JsonNode v = required(node, key);
        if (!v.isTextual()) {
            throw new IllegalArgumentException("'" + prefix + key + "' must be a string, got " + v);
        }
        return v.asText();
    }

    private static JsonNode required(JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("'" + key + "' is required");
        }
        return v;
    }

    private static void checkKeys(JsonNode node, Set<String> allowed, String prefix) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!allowed.contains(k)) {
                throw new IllegalArgumentException("unknown key '" + prefix + k + "' (known: " + allowed.stream().sorted().toList() + ")");
            }
        }
    }

    /** The canonical JSON form (species as symbols, irreps as strings). */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("name", name);
        root.put("format_version", FORMAT_VERSION);
        root.put("cutoff", cutoff);
        ObjectNode radial = root.putObject("radial");
        radial.put("basis", "bessel");
        radial.put("count", radialCount);
        radial.put("prefactor", radialPrefactor.name().toLowerCase());
        radial.put("envelope_p", envelopeP);
        ArrayNode hidden = radial.putArray("mlp_hidden");
        radialHidden.forEach(hidden::add);
        root.put("lmax", lmax);
        root.put("embedding_irreps", embeddingIrreps.toString());
        ArrayNode layers = root.putArray("hidden_irreps");
        hiddenIrreps.forEach(h -> layers.add(h.toString()));
        root.put("num_layers", hiddenIrreps.size());
        root.put("avg_num_neighbors", avgNumNeighbors);
        ArrayNode sp = root.putArray("species");
        species.forEach(z -> sp.add(Elements.symbol(z)));
        root.put("seed", seed);
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return "FeaturizerConfig[" + name + ": cutoff " + cutoff + " Å, lmax " + lmax + ", " + hiddenIrreps.size()
                + " layers " + hiddenIrreps + ", species " + species.stream().map(Elements::symbol).toList()
                + ", radial " + radialCount + " Bessel x MLP " + radialHidden + "]";
    }

    static String describeShape(int[] shape) {
        return Arrays.toString(shape);
    }
}
