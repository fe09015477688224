package org.e3spark.model.internal.mace;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.e3spark.kernels.CgConvention;
import org.e3spark.kernels.Irrep;
import org.e3spark.kernels.Irreps;
import org.e3spark.kernels.MulIr;
import org.e3spark.model.ModelFormatException;

/**
 * The constructor arguments of a mace-torch {@code ScaleShiftMACE}, as an exported {@code NAME.json}
 * holds them (the keys of the goldens' {@code config} object). Parsing refuses, naming key and value,
 * everything this implementation does not reproduce exactly: other model classes, interaction
 * blocks, radial bases, distance transforms, gates, the reduced CG basis, unknown keys (heads,
 * embeddings, ... change the network).
 */
public record MaceConfig(double rMax, int numBessel, int numPolynomialCutoff, int maxEll, boolean residualFirst,
                         int numInteractions, Irreps hiddenIrreps, Irreps mlpIrreps, int[] correlation,
                         int[] radialMlp, double avgNumNeighbors, int[] atomicNumbers, double[] atomicEnergies,
                         double scale, double shift, boolean agnesi, boolean pairRepulsion, String e3nnVersion,
                         CgConvention convention) {

    static final String FIRST_PLAIN = "RealAgnosticInteractionBlock";
    static final String RESIDUAL = "RealAgnosticResidualInteractionBlock";
    private static final Set<String> REQUIRED = new LinkedHashSet<>(List.of("model_class", "r_max", "num_bessel",
            "num_polynomial_cutoff", "max_ell", "interaction_first", "interaction", "num_interactions", "hidden_irreps",
            "MLP_irreps", "correlation", "radial_MLP", "avg_num_neighbors", "atomic_numbers", "atomic_energies", "scale",
            "shift", "gate", "radial_type", "distance_transform", "pair_repulsion", "use_reduced_cg"));
    private static final Set<String> OPTIONAL = Set.of("e3nn_version");

    /** Reads and validates a config object; {@code source} names the file in errors. */
    public static MaceConfig parse(JsonNode root, String source) {
        String where = source + ": ";
        if (root == null || !root.isObject()) {
            throw new ModelFormatException(where + "a MACE config must be a JSON object");
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!REQUIRED.contains(key) && !OPTIONAL.contains(key)) {
                throw new ModelFormatException(where + "unsupported config key '" + key + "' (value " + root.get(key)
                        + "): only ScaleShiftMACE's keys " + REQUIRED + " and e3nn_version are understood");
            }
        }
        for (String key : REQUIRED) {
            if (!root.has(key)) {
                throw new ModelFormatException(where + "config key '" + key + "' is missing");
            }
        }
        Reader r = new Reader(root, where);
        r.expect("model_class", "ScaleShiftMACE");
        r.expect("gate", "silu");
        r.expect("radial_type", "bessel");
        String first = r.string("interaction_first");
        if (!first.equals(FIRST_PLAIN) && !first.equals(RESIDUAL)) {
            throw r.unsupported("interaction_first", first, FIRST_PLAIN + " or " + RESIDUAL);
        }
        String inter = r.string("interaction");
        if (!inter.equals(RESIDUAL)) {
            throw r.unsupported("interaction", inter, RESIDUAL);
        }
        // mace's own extract_config_mace_model gives None (JSON null) when there is no transform
        String transform = root.get("distance_transform").isNull() ? "None" : r.string("distance_transform");
        if (!transform.equals("None") && !transform.equals("Agnesi")) {
            throw r.unsupported("distance_transform", transform, "None or Agnesi");
        }
        if (r.bool("use_reduced_cg")) {
            throw r.unsupported("use_reduced_cg", "true", "false (the reduced CG basis is not implemented)");
        }
        boolean pair = r.bool("pair_repulsion");
        double rMax = r.positive("r_max");
        int numBessel = r.intIn("num_bessel", 1, 256);
        int p = r.intIn("num_polynomial_cutoff", 1, 64);
        int maxEll = r.intIn("max_ell", 0, 6);
        int layers = r.intIn("num_interactions", 1, 16);
        Irreps hidden = r.irreps("hidden_irreps");
        Irreps mlp = r.irreps("MLP_irreps");
        checkHidden(r, hidden);
        for (MulIr b : mlp.blocks()) {
            if (!b.irrep().equals(Irrep.of(0, 1))) {
                throw r.unsupported("MLP_irreps", mlp.toString(), "even scalars only (the readout MLP gates 0e)");
            }
        }
        if (mlp.dim() == 0) {
            throw r.unsupported("MLP_irreps", mlp.toString(), "at least one 0e channel");
        }
        int[] corr;
        JsonNode c = root.get("correlation");
        if (c.isArray()) {
            corr = r.intArray("correlation", 1, 4);
            if (corr.length != layers) {
                throw new ModelFormatException(where + "config key 'correlation' lists " + corr.length
                        + " values for num_interactions = " + layers);
            }
        } else {
            int v = r.intIn("correlation", 1, 4);
            corr = new int[layers];
            java.util.Arrays.fill(corr, v);
        }
        int[] radial = r.intArray("radial_MLP", 1, 4096);
        double avg = r.positive("avg_num_neighbors");
        int[] z = r.intArray("atomic_numbers", 1, 118);
        if (z.length == 0) {
            throw r.unsupported("atomic_numbers", "[]", "at least one element");
        }
        for (int i = 1; i < z.length; i++) {
            for (int j = 0; j < i; j++) {
                if (z[i] == z[j]) {
                    throw new ModelFormatException(where + "config key 'atomic_numbers' lists element " + z[i] + " twice");
                }
            }
        }
        double[] e0 = r.doubleArray("atomic_energies");
        if (e0.length != z.length) {
            throw new ModelFormatException(where + "config key 'atomic_energies' has " + e0.length
                    + " values for " + z.length + " atomic_numbers (several heads are not supported)");
        }
        double scale = r.finite("scale");
        double shift = r.finite("shift");
        String version = root.has("e3nn_version") ? r.string("e3nn_version") : null;
        CgConvention convention = conventionOf(version, r);
        return new MaceConfig(rMax, numBessel, p, maxEll, first.equals(RESIDUAL), layers, hidden, mlp, corr, radial,
                avg, z, e0, scale, shift, transform.equals("Agnesi"), pair, version, convention);
    }

    /** e3nn before 0.5 (and an absent version: every published checkpoint) used the legacy CG signs. */
    static CgConvention conventionOf(String version, Reader r) {
        if (version == null) {
            return CgConvention.LEGACY_E3NN_044;
        }
        String[] parts = version.strip().split("\\.");
        try {
            int major = Integer.parseInt(parts[0]);
            int minor = parts.length > 1 ? Integer.parseInt(parts[1].replaceAll("[^0-9].*$", "")) : 0;
            return major == 0 && minor < 5 ? CgConvention.LEGACY_E3NN_044 : CgConvention.E3NN;
        } catch (NumberFormatException e) {
            throw r.unsupported("e3nn_version", version, "a version such as \"0.4.4\" or \"0.6.0\"");
        }
    }

    private static void checkHidden(Reader r, Irreps hidden) {
        int mul = -1;
        boolean scalars = false;
        for (MulIr b : hidden.blocks()) {
            if (mul >= 0 && b.mul() != mul) {
                throw r.unsupported("hidden_irreps", hidden.toString(),
                        "one multiplicity for every block (MACE's product basis mixes no channels)");
            }
            mul = b.mul();
            scalars |= b.irrep().equals(Irrep.of(0, 1));
        }
        if (!scalars || !hidden.get(0).irrep().equals(Irrep.of(0, 1))) {
            throw r.unsupported("hidden_irreps", hidden.toString(), "irreps starting with the even scalars (Cx0e+...)");
        }
    }

    /** Number of elements (one-hot width). */
    public int numElements() {
        return atomicNumbers.length;
    }

    /** Channels of every block (the multiplicity of hidden_irreps' 0e). */
    public int channels() {
        return hiddenIrreps.get(0).mul();
    }

    /** Index of an atomic number in the one-hot, or -1. */
    public int elementIndex(int z) {
        for (int i = 0; i < atomicNumbers.length; i++) {
            if (atomicNumbers[i] == z) {
                return i;
            }
        }
        return -1;
    }

    /** Typed access to the config object, with errors naming the key. */
    static final class Reader {
        private final JsonNode root;
        private final String where;

        Reader(JsonNode root, String where) {
            this.root = root;
            this.where = where;
        }

        ModelFormatException unsupported(String key, String value, String supported) {
            return new ModelFormatException(where + "unsupported " + key + " = " + value + " (supported: " + supported + ")");
        }

        private ModelFormatException type(String key, String what) {
            return new ModelFormatException(where + "config key '" + key + "' must be " + what + ", got " + root.get(key));
        }

        void expect(String key, String value) {
            String v = string(key);
            if (!v.equals(value)) {
                throw unsupported(key, v, value);
            }
        }

        String string(String key) {
            JsonNode n = root.get(key);
            if (n == null || !n.isTextual()) {
                throw type(key, "a string");
            }
            return n.asText();
        }

        boolean bool(String key) {
            JsonNode n = root.get(key);
            if (n == null || !n.isBoolean()) {
                throw type(key, "true or false");
            }
            return n.asBoolean();
        }

        double finite(String key) {
            JsonNode n = root.get(key);
            if (n == null || !n.isNumber() || !Double.isFinite(n.asDouble())) {
                throw type(key, "a finite number");
            }
            return n.asDouble();
        }

        double positive(String key) {
            double v = finite(key);
            if (!(v > 0)) {
                throw type(key, "a positive number");
            }
            return v;
        }

        int intIn(String key, int lo, int hi) {
            JsonNode n = root.get(key);
            if (n == null || !n.isIntegralNumber() || n.asLong() < lo || n.asLong() > hi) {
                throw type(key, "an integer in " + lo + ".." + hi);
            }
            return n.asInt();
        }

        int[] intArray(String key, int lo, int hi) {
            JsonNode n = root.get(key);
            if (n == null || !n.isArray()) {
                throw type(key, "a list of integers in " + lo + ".." + hi);
            }
            int[] out = new int[n.size()];
            for (int i = 0; i < out.length; i++) {
                JsonNode e = n.get(i);
                if (!e.isIntegralNumber() || e.asLong() < lo || e.asLong() > hi) {
                    throw type(key, "a list of integers in " + lo + ".." + hi);
                }
                out[i] = e.asInt();
            }
            return out;
        }

        double[] doubleArray(String key) {
            JsonNode n = root.get(key);
            if (n == null || !n.isArray()) {
                throw type(key, "a list of numbers");
            }
            double[] out = new double[n.size()];
            for (int i = 0; i < out.length; i++) {
                JsonNode e = n.get(i);
                if (!e.isNumber() || !Double.isFinite(e.asDouble())) {
                    throw type(key, "a list of finite numbers");
                }
                out[i] = e.asDouble();
            }
            return out;
        }

        Irreps irreps(String key) {
            String s = string(key);
            try {
                return Irreps.parse(s);
            } catch (IllegalArgumentException e) {
                throw new ModelFormatException(where + "config key '" + key + "' is not an irreps string: " + e.getMessage(), e);
            }
        }
    }
}
