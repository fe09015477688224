package org.e3spark.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.e3spark.data.Elements;
import org.e3spark.data.InvalidStructureException;
import org.e3spark.data.Structure;
import org.e3spark.model.internal.ModelPlan;

/**
 * A featurizer's config with a complete set of weights, checked against each other (every tensor
 * the architecture needs, with its shape; no extras). An immutable value: what is saved, loaded,
 * broadcast to executors and turned into a running {@link Featurizer}. Weights come from a
 * safetensors file ({@link #withWeights}, names and shapes as {@link ModelPlan} lists them) or a
 * seeded initialization ({@link #seeded}): standard normal values, as e3nn initializes
 * {@code o3.Linear} and {@code nn.FullyConnectedNet}, from a stream per tensor seeded by the
 * config's seed and the tensor's name, identical on every machine.
 */
public final class FeaturizerModel {

    private final FeaturizerConfig config;
    private final Map<String, NamedTensor> weights;
    private final ModelPlan plan;
    private final String origin;
    private final int[] speciesByNumber; // atomic number -> index in the species list, -1 if absent

    private FeaturizerModel(FeaturizerConfig config, Map<String, NamedTensor> weights, String origin) {
        this.config = config;
        // a table, not a list search: the lookup runs for every atom of every structure featurized
        int maxZ = config.species().stream().mapToInt(Integer::intValue).max().orElse(0);
        this.speciesByNumber = new int[maxZ + 1];
        java.util.Arrays.fill(speciesByNumber, -1);
        for (int k = 0; k < config.species().size(); k++) {
            speciesByNumber[config.species().get(k)] = k;
        }
        this.plan = new ModelPlan(config);
        Map<String, NamedTensor> ordered = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (ModelPlan.WeightSpec spec : plan.weights()) {
            NamedTensor t = weights.get(spec.name());
            if (t == null) {
                problems.add("missing " + spec.name() + " " + spec.shape() + " (" + spec.doc() + ")");
                continue;
            }
            int[] shape = t.shape();
            if (!java.util.Arrays.equals(shape, spec.shape().stream().mapToInt(Integer::intValue).toArray())) {
                problems.add(spec.name() + " has shape " + java.util.Arrays.toString(shape) + ", expected " + spec.shape()
                        + " (" + spec.doc() + ")");
                continue;
            }
            for (double v : t.valuesShared()) {
                if (!Double.isFinite(v)) {
                    problems.add(spec.name() + " has a non-finite value");
                    break;
                }
            }
            ordered.put(spec.name(), t);
        }
        for (String name : weights.keySet()) {
            if (!ordered.containsKey(name) && plan.weights().stream().noneMatch(s -> s.name().equals(name))) {
                problems.add("unexpected tensor " + name);
            }
        }
        if (!problems.isEmpty()) {
            throw new ModelFormatException("weights (" + origin + ") do not fit featurizer '" + config.name() + "': "
                    + String.join("; ", problems));
        }
        this.weights = java.util.Collections.unmodifiableMap(ordered);
        this.origin = origin;
    }

    /** The config with seeded deterministic weights (its {@code seed}). */
    public static FeaturizerModel seeded(FeaturizerConfig config) {
        ModelPlan plan = new ModelPlan(config);
        Map<String, NamedTensor> w = new LinkedHashMap<>();
        for (ModelPlan.WeightSpec spec : plan.weights()) {
            SplittableRandom rng = new SplittableRandom(config.seed() ^ nameSeed(spec.name()));
            double[] v = new double[spec.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = rng.nextGaussian();
            }
            w.put(spec.name(), new NamedTensor(spec.name(), spec.shape().stream().mapToInt(Integer::intValue).toArray(), v));
        }
        return new FeaturizerModel(config, w, "seeded initialization, seed " + config.seed());
    }

    /** The config with the given tensors (all of them, exact names and shapes). */
    public static FeaturizerModel withWeights(FeaturizerConfig config, Map<String, NamedTensor> tensors, String origin) {
        return new FeaturizerModel(config, tensors, origin);
    }

    /**
     * The usual entry point: a config file (or null: the bundled {@code featurizer-small}) and a
     * safetensors file (or null: seeded weights).
     */
    public static FeaturizerModel load(Path configOrNull, Path weightsOrNull) {
        FeaturizerConfig c = configOrNull == null ? FeaturizerConfig.bundled("featurizer-small")
                : FeaturizerConfig.read(configOrNull);
        return weightsOrNull == null ? seeded(c) : withWeights(c, SafeTensors.read(weightsOrNull), weightsOrNull.toString());
    }

    /** FNV-1a of the name: a platform-independent per-tensor seed. */
    private static long nameSeed(String name) {
        long h = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    public FeaturizerConfig config() {
        return config;
    }

    /** Tensors in the plan's order (unmodifiable). */
    public Map<String, NamedTensor> weights() {
        return weights;
    }

    /** Where the weights came from (a file, or the seeded initialization). */
    public String origin() {
        return origin;
    }

    /** The derived architecture (internal API). */
    public ModelPlan plan() {
        return plan;
    }

    double[] weight(String name) {
        return weights.get(name).valuesShared();
    }

    /** Width of the per-atom invariant features. */
    public int atomFeatureWidth() {
        return plan.atomFeatureWidth();
    }

    /** Width of the per-structure features: the per-atom sum, then the per-atom mean. */
    public int structureFeatureWidth() {
        return 2 * plan.atomFeatureWidth();
    }

    /** Index of an atomic number in the config's species list, or -1 (same as the config's, by table). */
    public int speciesIndex(int z) {
        return z >= 0 && z < speciesByNumber.length ? speciesByNumber[z] : -1;
    }

    /** Throws {@link InvalidStructureException} when the structure has an element outside the species list. */
    public void checkSpecies(Structure s) {
        for (int i = 0; i < s.atomCount(); i++) {
            if (speciesIndex(s.number(i)) < 0) {
                throw new InvalidStructureException("structure " + s.id() + ": atom " + i + " is "
                        + Elements.symbol(s.number(i)) + ", not among the species of featurizer '" + config.name() + "' "
                        + config.species().stream().map(Elements::symbol).toList());
            }
        }
    }

    /** SHA-256 of the canonical config and every weight's bits: equal fingerprints, equal outputs. */
    public String fingerprint() {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(config.toJson().getBytes(StandardCharsets.UTF_8));
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            for (NamedTensor t : weights.values()) {
                md.update(t.name().getBytes(StandardCharsets.UTF_8));
                for (double v : t.valuesShared()) {
                    b.clear();
                    b.putDouble(v);
                    md.update(b.array());
                }
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FeaturizerModel m && config.equals(m.config) && weights.equals(m.weights);
    }

    @Override
    public int hashCode() {
        return config.hashCode() * 31 + weights.hashCode();
    }

    @Override
    public String toString() {
        return "FeaturizerModel[" + config.name() + ", weights: " + origin + "]";
    }
}
