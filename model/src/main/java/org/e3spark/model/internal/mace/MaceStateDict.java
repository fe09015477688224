package org.e3spark.model.internal.mace;

import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.e3spark.kernels.ClebschGordan;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.SymmetricContractionProblem;
import org.e3spark.model.ModelFormatException;
import org.e3spark.model.NamedTensor;
import org.e3spark.model.internal.EquivariantLinear;

/**
 * Binds a ScaleShiftMACE {@code state_dict()} (MACE's own tensor names) to a {@link MaceNetwork}:
 * every tensor the architecture implies must be present with its exact shape, nothing else may be
 * (the w3j constants e3nn's code generator stores are accepted where a conv path needs them, and
 * checked), and the buffers that restate the config (r_max, atomic energies, scale, shift, Bessel
 * weights) must agree with it. The product bases {@code U_matrix_nu} are rebuilt by e3spark and must
 * equal the stored ones, which also catches a config whose e3nn_version is not the one the model was
 * built with. Errors name the tensor, the expected and the found shapes.
 */
public final class MaceStateDict {

    private static final Pattern W3J = Pattern.compile(
            "interactions\\.(\\d+)\\.(conv_tp|skip_tp)\\._compiled_main_left_right\\._w3j_(\\d+)_(\\d+)_(\\d+)");

    /**
     * What torch.fx calls the constants of a traced e3nn tensor product once it is re-traced (seen with
     * torch 2.11 on a freshly built MACE): no triple in the name, and e3nn's internal layout.
     */
    private static final Pattern TRACED_CONSTANT = Pattern.compile(
            "interactions\\.(\\d+)\\.conv_tp\\._compiled_main_left_right\\._tensor_constant\\d+");

    private final Map<String, NamedTensor> tensors;
    private final String source;
    private final Set<String> used = new HashSet<>();
    private final SplittableRandom rng; // non-null: generating a seeded state dict instead of reading one
    private MaceConfig generating;

    private MaceStateDict(Map<String, NamedTensor> tensors, String source, SplittableRandom rng) {
        this.tensors = tensors;
        this.source = source;
        this.rng = rng;
    }

    /**
     * A complete state dict for {@code config} with seeded weights (standard normal; symmetric
     * contraction weights divided by their path count, as mace initializes them), the buffers mace
     * would register (r_max, Bessel weights, E0, scale, shift, ZBL and Agnesi constants, output masks,
     * the product bases) and, for want of ASE here, covalent radii {@code 0.3 + 0.012 Z} Å. For tests
     * and samples: such a model is a valid MACE, not a trained one.
     */
    public static Map<String, NamedTensor> seeded(MaceConfig config, long seed) {
        Map<String, NamedTensor> out = new LinkedHashMap<>();
        MaceStateDict sd = new MaceStateDict(out, "seeded", new SplittableRandom(seed));
        sd.generating = config;
        try (MaceNetwork net = new MaceNetwork(config, DType.FLOAT64)) {
            sd.fill(net);
        }
        return out;
    }

    /** Builds the network of {@code config} and fills it from {@code tensors}; closes it on failure. */
    public static MaceNetwork bind(MaceConfig config, Map<String, NamedTensor> tensors, String source, DType dtype) {
        MaceNetwork net = new MaceNetwork(config, dtype);
        try {
            new MaceStateDict(tensors, source, null).fill(net);
            return net;
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    private void fill(MaceNetwork net) {
        MaceConfig c = net.config();
        int ne = c.numElements();
        scalarAgrees("r_max", c.rMax(), "r_max");
        System.arraycopy(linear("node_embedding.linear", net.embedding()), 0, net.embeddingWeight, 0,
                net.embeddingWeight.length);
        double[] bessel = take("radial_embedding.bessel_fn.bessel_weights", c.numBessel());
        double prefactor = scalar("radial_embedding.bessel_fn.prefactor");
        scalarAgrees("radial_embedding.bessel_fn.r_max", c.rMax(), "r_max");
        double cutoffRMax = scalarAgrees("radial_embedding.cutoff_fn.r_max", c.rMax(), "r_max");
        AgnesiTransform agnesi = null;
        if (c.agnesi()) {
            String p = "radial_embedding.distance_transform.";
            agnesi = new AgnesiTransform(scalar(p + "q"), scalar(p + "p"), scalar(p + "a"), radii(p + "covalent_radii", c));
        }
        net.radialEmbedding = new RadialEmbeddingBlock(bessel, prefactor,
                new PolynomialCutoff(cutoffRMax, c.numPolynomialCutoff()), agnesi);
        if (c.pairRepulsion()) {
            String p = "pair_repulsion_fn.";
            net.zbl = new ZblBasis(take(p + "c", 4), scalar(p + "a_exp"), scalar(p + "a_prefactor"),
                    radii(p + "covalent_radii", c), c.numPolynomialCutoff());
        }
        double[] e0 = take("atomic_energies_fn.atomic_energies", ne);
        for (int i = 0; i < ne; i++) {
            if (!close(e0[i], c.atomicEnergies()[i])) {
                throw new ModelFormatException(source + ": tensor atomic_energies_fn.atomic_energies holds "
                        + Arrays.toString(e0) + " but config key 'atomic_energies' says "
                        + Arrays.toString(c.atomicEnergies()));
            }
        }
        System.arraycopy(e0, 0, net.atomicEnergies, 0, ne);
        net.scale = scalarAgrees("scale_shift.scale", c.scale(), "scale");
        net.shift = scalarAgrees("scale_shift.shift", c.shift(), "shift");

        for (int k = 0; k < net.interactions.size(); k++) {
            InteractionBlock b = net.interactions.get(k);
            String p = "interactions." + k + ".";
            double[] up = linear(p + "linear_up", b.linearUp());
            take(p + "conv_tp.weight", 0);
            mask(p + "conv_tp.output_mask", b.convProblem().midIrreps().dim());
            int[] sizes = b.radial().sizes();
            double[][] mlp = new double[sizes.length - 1][];
            for (int j = 0; j + 1 < sizes.length; j++) {
                mlp[j] = take(p + "conv_tp_weights.layer" + j + ".weight", sizes[j], sizes[j + 1]);
            }
            double[] lin = linear(p + "linear", b.linear());
            double[] skip = take(p + "skip_tp.weight", b.skip().weightNumel());
            mask(p + "skip_tp.output_mask", b.skip().out().dim());
            b.setWeights(up, mlp, lin, skip);
            for (int[] t : b.convProblem().triples()) {
                w3j(p + "conv_tp._compiled_main_left_right._w3j_" + t[0] + "_" + t[1] + "_" + t[2], t, c);
            }
            tracedConstants(k, b.convProblem().triples());
        }
        for (int k = 0; k < net.products.size(); k++) {
            ProductBasisBlock b = net.products.get(k);
            String p = "products." + k + ".symmetric_contractions.";
            SymmetricContractionProblem sc = b.problem();
            for (String name : sc.weightNames()) {
                b.setWeight(name, take(p + name, sc.weightShape(name)));
            }
            for (int o = 0; o < sc.outputs().size(); o++) {
                for (int nu = 1; nu <= sc.correlation(); nu++) {
                    String name = p + sc.basisName(o, nu);
                    double[] built = sc.basis(o, nu);
                    if (rng != null) {
                        tensors.put(name, new NamedTensor(name, sc.basisShape(o, nu), built));
                    }
                    double[] stored = take(name, sc.basisShape(o, nu));
                    checkBasis(name, stored, built, c);
                }
            }
            b.setLinearWeight(linear("products." + k + ".linear", b.linear()));
        }
        for (int k = 0; k < net.readouts.size(); k++) {
            ReadoutBlock r = net.readouts.get(k);
            String p = "readouts." + k + ".";
            if (r.isLinear()) {
                r.setWeights(linear(p + "linear", r.linear1()), null);
            } else {
                r.setWeights(linear(p + "linear_1", r.linear1()), linear(p + "linear_2", r.linear2()));
            }
        }
        for (String name : tensors.keySet()) {
            if (!used.contains(name)) {
                Matcher m = W3J.matcher(name);
                String hint = m.matches() ? " (a w3j constant of a path this architecture does not have)" : "";
                throw new ModelFormatException(source + ": unexpected tensor " + name + " "
                        + Arrays.toString(tensors.get(name).shape()) + " for this config" + hint);
            }
        }
    }

    /** A seeded tensor's values: the buffer mace registers under that name, else random weights. */
    private double[] generated(String name, int[] shape) {
        MaceConfig c = generating;
        int size = 1;
        for (int d : shape) {
            size *= d;
        }
        double[] v = new double[size];
        String leaf = name.substring(name.lastIndexOf('.') + 1);
        switch (name) {
            case "radial_embedding.bessel_fn.bessel_weights" -> {
                for (int k = 0; k < size; k++) {
                    v[k] = Math.PI / c.rMax() * (k + 1);
                }
                return v;
            }
            case "radial_embedding.bessel_fn.prefactor" -> {
                return new double[] {Math.sqrt(2.0 / c.rMax())};
            }
            case "atomic_energies_fn.atomic_energies" -> {
                return c.atomicEnergies().clone();
            }
            case "scale_shift.scale" -> {
                return new double[] {c.scale()};
            }
            case "scale_shift.shift" -> {
                return new double[] {c.shift()};
            }
            case "pair_repulsion_fn.c" -> {
                return new double[] {0.1818, 0.5099, 0.2802, 0.02817};
            }
            case "pair_repulsion_fn.a_exp" -> {
                return new double[] {0.300};
            }
            case "pair_repulsion_fn.a_prefactor" -> {
                return new double[] {0.4543};
            }
            case "radial_embedding.distance_transform.q" -> {
                return new double[] {0.9183};
            }
            case "radial_embedding.distance_transform.p" -> {
                return new double[] {4.5791};
            }
            case "radial_embedding.distance_transform.a" -> {
                return new double[] {1.0805};
            }
            default -> {
            }
        }
        if (leaf.equals("r_max")) {
            return new double[] {c.rMax()};
        }
        if (leaf.equals("output_mask")) {
            java.util.Arrays.fill(v, 1.0);
            return v;
        }
        double scale = name.contains("symmetric_contractions") && shape.length == 3 ? 1.0 / shape[1] : 1.0;
        for (int k = 0; k < size; k++) {
            v[k] = rng.nextGaussian() * scale;
        }
        return v;
    }

    private static boolean close(double a, double b) {
        return Math.abs(a - b) <= 1e-6 * Math.max(1.0, Math.abs(b));
    }

    private NamedTensor get(String name) {
        NamedTensor t = tensors.get(name);
        if (t == null) {
            throw new ModelFormatException(source + ": tensor " + name + " is missing from the state dict");
        }
        used.add(name);
        return t;
    }

    private double[] take(String name, int... shape) {
        if (rng != null && !tensors.containsKey(name)) {
            tensors.put(name, new NamedTensor(name, shape, generated(name, shape)));
        }
        NamedTensor t = get(name);
        if (!Arrays.equals(t.shape(), shape)) {
            throw new ModelFormatException(source + ": tensor " + name + " has shape " + Arrays.toString(t.shape())
                    + " but this config needs " + Arrays.toString(shape));
        }
        return t.values();
    }

    private double scalar(String name) {
        return take(name)[0];
    }

    private double scalarAgrees(String name, double configValue, String key) {
        double v = scalar(name);
        if (!close(v, configValue)) {
            throw new ModelFormatException(source + ": tensor " + name + " holds " + v + " but config key '" + key
                    + "' says " + configValue);
        }
        return v;
    }

    /** An o3.Linear without biases: weight, an empty bias and the output mask. */
    private double[] linear(String prefix, EquivariantLinear lin) {
        double[] w = take(prefix + ".weight", lin.weightNumel());
        take(prefix + ".bias", 0);
        mask(prefix + ".output_mask", lin.out().dim());
        return w;
    }

    private void mask(String name, int dim) {
        take(name, dim);
    }

    private double[] radii(String name, MaceConfig c) {
        if (rng != null) {
            double[] r = new double[119];
            for (int z = 0; z < r.length; z++) {
                r[z] = 0.3 + 0.012 * z;
            }
            tensors.put(name, new NamedTensor(name, new int[] {119}, r));
        }
        NamedTensor t = get(name);
        int maxZ = Arrays.stream(c.atomicNumbers()).max().orElse(0);
        if (t.shape().length != 1 || t.shape()[0] <= maxZ) {
            throw new ModelFormatException(source + ": tensor " + name + " has shape " + Arrays.toString(t.shape())
                    + " but needs one radius per atomic number up to " + maxZ + " ([n] with n > " + maxZ + ")");
        }
        return t.values();
    }

    /** e3nn's generated code stores wigner_3j(l1, l2, l3) for paths of three nonzero degrees: check it. */
    /**
     * A traced constant of interaction k holds e3nn's generated code's own layout of one of the block's
     * coupling tensors (its values are not wigner_3j's as stored: not compared); its shape must be one of
     * the block's (2l1+1, 2l2+1, 2l3+1), so a constant of another architecture is still refused.
     */
    private void tracedConstants(int k, List<int[]> triples) {
        for (String name : tensors.keySet()) {
            Matcher m = TRACED_CONSTANT.matcher(name);
            if (!m.matches() || Integer.parseInt(m.group(1)) != k) {
                continue;
            }
            NamedTensor t = tensors.get(name);
            for (int[] tr : triples) {
                if (Arrays.equals(t.shape(), couplingShape(tr))) {
                    used.add(name);
                    break;
                }
            }
            if (!used.contains(name)) {
                StringBuilder shapes = new StringBuilder();
                for (int[] tr : triples) {
                    shapes.append(shapes.isEmpty() ? "" : ", ").append(Arrays.toString(couplingShape(tr)));
                }
                throw new ModelFormatException(source + ": tensor " + name + " " + Arrays.toString(t.shape())
                        + " has the shape of none of interaction " + k + "'s coupling tensors [" + shapes + "]");
            }
        }
    }

    private static int[] couplingShape(int[] triple) {
        return new int[] {2 * triple[0] + 1, 2 * triple[1] + 1, 2 * triple[2] + 1};
    }

    private void w3j(String name, int[] t, MaceConfig c) {
        NamedTensor tensor = tensors.get(name);
        if (tensor == null) {
            return; // other e3nn versions generate code without them
        }
        double[] v = take(name, 2 * t[0] + 1, 2 * t[1] + 1, 2 * t[2] + 1);
        double[] expected = ClebschGordan.wigner3j(t[0], t[1], t[2], c.convention());
        for (int i = 0; i < v.length; i++) {
            if (Math.abs(v[i] - expected[i]) > 1e-6) {
                throw new ModelFormatException(source + ": tensor " + name + " differs from wigner_3j" + Arrays.toString(t)
                        + " of e3nn " + (c.e3nnVersion() == null ? "0.4.4 (no e3nn_version given)" : c.e3nnVersion())
                        + " at entry " + i + ": " + v[i] + " vs " + expected[i] + "; is config key 'e3nn_version' right?");
            }
        }
    }

    private void checkBasis(String name, double[] stored, double[] built, MaceConfig c) {
        double scale = 0;
        for (double b : built) {
            scale = Math.max(scale, Math.abs(b));
        }
        for (int i = 0; i < stored.length; i++) {
            if (Math.abs(stored[i] - built[i]) > 1e-6 * Math.max(scale, 1e-300)) {
                throw new ModelFormatException(source + ": tensor " + name + " differs from the basis e3spark builds for "
                        + "e3nn " + (c.e3nnVersion() == null ? "0.4.4 (no e3nn_version given)" : c.e3nnVersion())
                        + " at entry " + i + " (" + stored[i] + " vs " + built[i] + "); is config key 'e3nn_version' right?");
            }
        }
    }
}
