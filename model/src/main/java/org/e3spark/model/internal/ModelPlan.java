package org.e3spark.model.internal;

import java.util.ArrayList;
import java.util.List;
import org.e3spark.kernels.Irrep;
import org.e3spark.kernels.Irreps;
import org.e3spark.kernels.MulIr;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.TPProblems;
import org.e3spark.model.FeaturizerConfig;

/**
 * Every shape of a featurizer, derived once from its config: the irreps after each stage, the
 * tensor-product problem of each convolution, and the named weight tensors with their shapes in
 * e3nn's layout. The layers compute; this class only decides.
 *
 * <pre>
 *   embedding.weight                   [S*C]        o3.Linear(S x 0e -> embedding_irreps) on one-hot species
 *   layers.{k}.linear_up.weight        [numel]      o3.Linear(h_k -> h_k)
 *   layers.{k}.radial_mlp.layer{j}.weight [in, out] nn.FullyConnectedNet([radial, hidden..., conv weight_numel])
 *   layers.{k}.linear_down.weight      [numel]      o3.Linear(conv out -> gate in)
 *   readout.weight                     [numel]      o3.Linear(h_L -> 1x0e), summed per structure for energies/forces
 * </pre>
 */
public final class ModelPlan {

    /** A named weight tensor's shape and what it is. */
    public record WeightSpec(String name, List<Integer> shape, String doc) {
        public WeightSpec {
            shape = List.copyOf(shape);
            long n = 1;
            for (int d : shape) {
                if (d < 0) {
                    throw new IllegalArgumentException(name + " has a negative dimension: " + shape);
                }
                n = d == 0 ? 0 : n > MAX_WEIGHTS / d ? MAX_WEIGHTS + 1 : n * d;
            }
            if (n > MAX_WEIGHTS) {
                throw new IllegalArgumentException(name + " " + shape + " needs more than " + MAX_WEIGHTS
                        + " weights (the most one weight tensor may hold)");
            }
        }

        public int size() {
            long n = 1;
            for (int d : shape) {
                n *= d; // exact: the constructor bounds the product by MAX_WEIGHTS
            }
            return (int) n;
        }
    }

    /** One interaction layer's stages. */
    public record LayerPlan(int index, Irreps in, EquivariantLinear linearUp, TPProblem conv, RadialMlp radial,
                            EquivariantLinear linearDown, Gate gate, boolean residual) {
        public Irreps out() {
            return gate.out();
        }

        public String prefix() {
            return "layers." + index + ".";
        }
    }

    /**
     * The most values one weight tensor, and all of a model's together, may hold (2^27: 1 GiB as
     * float64). Checked with exact arithmetic before any weight is allocated: a config asking for
     * 1000000x0e channels must be refused, not wrap an int into a negative array size.
     */
    public static final long MAX_WEIGHTS = 1L << 27;

    private final FeaturizerConfig config;
    private final EquivariantLinear embedding;
    private final List<LayerPlan> layers;
    private final EquivariantLinear readout;
    private final List<WeightSpec> weights;

    public ModelPlan(FeaturizerConfig config) {
        this.config = config;
        int numSpecies = config.species().size();
        this.embedding = new EquivariantLinear(Irreps.parse(numSpecies + "x0e"), config.embeddingIrreps());
        Irreps sh = config.shIrreps();
        List<LayerPlan> ls = new ArrayList<>();
        Irreps h = config.embeddingIrreps();
        for (int k = 0; k < config.numLayers(); k++) {
            Gate gate = new Gate(config.hiddenIrreps().get(k));
            List<MulIr> filter = new ArrayList<>(gate.in().blocks());
            TPProblem conv = TPProblems.channelwise(h, sh, Irreps.of(filter));
            if (conv.instructions().isEmpty()) {
                throw new IllegalArgumentException(config.name() + ": layer " + k + " couples " + h + " with " + sh
                        + " into none of " + gate.in());
            }
            int[] mlp = new int[config.radialHidden().size() + 2];
            mlp[0] = config.radialCount();
            for (int j = 0; j < config.radialHidden().size(); j++) {
                mlp[j + 1] = config.radialHidden().get(j);
            }
            mlp[mlp.length - 1] = conv.weightNumel();
            LayerPlan lp = new LayerPlan(k, h, new EquivariantLinear(h, h), conv, new RadialMlp(mlp),
                    new EquivariantLinear(conv.out(), gate.in()), gate, h.equals(gate.out()));
            ls.add(lp);
            h = gate.out();
        }
        this.layers = List.copyOf(ls);
        this.readout = new EquivariantLinear(h, Irreps.parse("1x0e"));
        List<WeightSpec> ws = new ArrayList<>();
        ws.add(new WeightSpec("embedding.weight", List.of(embedding.weightNumel()),
                "o3.Linear(" + embedding.in() + " -> " + embedding.out() + ") on one-hot species"));
        for (LayerPlan lp : layers) {
            ws.add(new WeightSpec(lp.prefix() + "linear_up.weight", List.of(lp.linearUp().weightNumel()),
                    "o3.Linear(" + lp.in() + " -> " + lp.in() + ")"));
            for (int j = 0; j < lp.radial().layers(); j++) {
                ws.add(new WeightSpec(lp.prefix() + "radial_mlp.layer" + j + ".weight",
                        List.of(lp.radial().fanIn(j), lp.radial().fanOut(j)), "nn.FullyConnectedNet layer " + j));
            }
            ws.add(new WeightSpec(lp.prefix() + "linear_down.weight", List.of(lp.linearDown().weightNumel()),
                    "o3.Linear(" + lp.conv().out() + " -> " + lp.gate().in() + ")"));
        }
        ws.add(new WeightSpec("readout.weight", List.of(readout.weightNumel()), "o3.Linear(" + h + " -> 1x0e)"));
        long total = 0;
        for (WeightSpec w : ws) {
            total += w.size();
        }
        if (total > MAX_WEIGHTS) {
            throw new IllegalArgumentException(config.name() + ": the model needs " + total + " weights, more than the "
                    + MAX_WEIGHTS + " a model may hold; use fewer channels");
        }
        this.weights = List.copyOf(ws);
    }

    /** The most values one row of any node-level stage holds (the widest irreps of the model). */
    public int widestNodeRow() {
        int w = embedding.out().dim();
        for (LayerPlan lp : layers) {
            w = Math.max(w, Math.max(Math.max(lp.in().dim(), lp.conv().out().dim()), Math.max(lp.gate().in().dim(),
                    lp.out().dim())));
        }
        return w;
    }

    /** The most values one edge holds at any stage (conv weights from the radial MLP, its hidden sizes, sh). */
    public int widestEdgeRow() {
        int w = config.shIrreps().dim();
        for (LayerPlan lp : layers) {
            for (int j = 0; j < lp.radial().layers(); j++) {
                w = Math.max(w, lp.radial().fanOut(j));
            }
            w = Math.max(w, lp.conv().weightNumel());
        }
        return w;
    }

    /**
     * Refuses a batch whose node or edge arrays would not fit a Java array (an int product that
     * wraps would allocate a wrong size); the message names the stage and the setting to lower.
     */
    public void checkBatch(int nodes, int edges) {
        long perNode = (long) nodes * widestNodeRow();
        long perEdge = (long) edges * widestEdgeRow();
        if (perNode > Integer.MAX_VALUE - 8 || perEdge > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(config.name() + ": a batch of " + nodes + " atoms and " + edges
                    + " edges needs " + Math.max(perNode, perEdge) + " values in one array, more than a Java array holds;"
                    + " lower spark.e3spark.batch.maxNodes / maxEdges or use fewer channels");
        }
    }

    public FeaturizerConfig config() {
        return config;
    }

    public EquivariantLinear embedding() {
        return embedding;
    }

    public List<LayerPlan> layers() {
        return layers;
    }

    public EquivariantLinear readout() {
        return readout;
    }

    public List<WeightSpec> weights() {
        return weights;
    }

    /** Irreps of the final node features. */
    public Irreps finalIrreps() {
        return readout.in();
    }

    /** Per-atom invariant features: every 0e value, then the norm of every channel of l > 0. */
    public int atomFeatureWidth() {
        int w = 0;
        for (MulIr b : finalIrreps().blocks()) {
            w += b.mul();
        }
        return w;
    }

    /** Writes the invariant features of n rows of final features. */
    public double[] invariants(double[] h, int n) {
        Irreps irreps = finalIrreps();
        int d = irreps.dim();
        int width = atomFeatureWidth();
        double[] out = new double[n * width];
        for (int r = 0; r < n; r++) {
            int at = r * width;
            for (int k = 0; k < irreps.size(); k++) {
                MulIr b = irreps.get(k);
                int off = r * d + irreps.offset(k);
                int dim = b.irrep().dim();
                for (int u = 0; u < b.mul(); u++) {
                    if (b.l() == 0) {
                        out[at++] = h[off + u];
                    } else {
                        double s = 0;
                        for (int m = 0; m < dim; m++) {
                            double v = h[off + u * dim + m];
                            s += v * v;
                        }
                        out[at++] = Math.sqrt(s);
                    }
                }
            }
        }
        return out;
    }
}
