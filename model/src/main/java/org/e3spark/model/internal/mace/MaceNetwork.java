package org.e3spark.model.internal.mace;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.e3spark.kernels.ConvGraph;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.Irreps;
import org.e3spark.kernels.ShNormalization;
import org.e3spark.kernels.SphericalHarmonics;
import org.e3spark.model.internal.EquivariantLinear;

/**
 * A whole ScaleShiftMACE on a batch graph: {@code ScaleShiftMACE.forward} stage by stage, and the
 * exact reverse pass from the total energy back to every edge vector (forces and stress follow from
 * those). Blocks are created from the {@link MaceArchitecture}; {@link MaceStateDict} fills their
 * weights.
 */
public final class MaceNetwork implements AutoCloseable {

    private final MaceConfig config;
    private final MaceArchitecture arch;
    private final DType dtype;
    private final EquivariantLinear embedding;
    // weights and buffers: filled once by MaceStateDict before the network is handed out
    final double[] embeddingWeight;
    RadialEmbeddingBlock radialEmbedding;
    ZblBasis zbl;
    final double[] atomicEnergies;
    double scale;
    double shift;
    final List<InteractionBlock> interactions = new ArrayList<>();
    final List<ProductBasisBlock> products = new ArrayList<>();
    final List<ReadoutBlock> readouts = new ArrayList<>();

    MaceNetwork(MaceConfig config, DType dtype) {
        this.config = config;
        this.arch = MaceArchitecture.of(config);
        this.dtype = dtype;
        int e = config.numElements();
        this.embedding = new EquivariantLinear(Irreps.parse(e + "x0e"), arch.layers().getFirst().nodeIrreps());
        this.embeddingWeight = new double[embedding.weightNumel()];
        this.atomicEnergies = config.atomicEnergies().clone();
        try {
            for (MaceArchitecture.Layer l : arch.layers()) {
                interactions.add(new InteractionBlock(l.residual(), l.nodeIrreps(), arch.shIrreps(), l.target(),
                        l.hiddenOut(), e, config.numBessel(), config.radialMlp(), config.avgNumNeighbors(),
                        config.convention(), dtype));
                products.add(new ProductBasisBlock(l.target(), l.hiddenOut(), l.correlation(), e, config.convention(),
                        dtype));
                readouts.add(l.nonLinearReadout() ? ReadoutBlock.nonLinear(l.hiddenOut(), config.mlpIrreps())
                        : ReadoutBlock.linear(l.hiddenOut()));
            }
        } catch (RuntimeException ex) {
            close();
            throw ex;
        }
    }

    public MaceConfig config() {
        return config;
    }

    MaceArchitecture architecture() {
        return arch;
    }

    EquivariantLinear embedding() {
        return embedding;
    }

    public DType dtype() {
        return dtype;
    }

    /** Width of a node's concatenated product outputs (mace's {@code node_feats}). */
    public int nodeFeatsDim() {
        int d = 0;
        for (MaceArchitecture.Layer l : arch.layers()) {
            d += l.hiddenOut().dim();
        }
        return d;
    }

    /**
     * The columns of node_feats that {@code MACECalculator.get_descriptors(invariants_only=True)}
     * keeps ({@code extract_invariant}): with F = dim // (lmax+1)^2 of the first product's irreps,
     * columns [0, F) and, for each later layer i, [i (lmax+1)^2 F, (i (lmax+1)^2 + 1) F), clipped to
     * node_feats as torch's slicing clips them. For hidden irreps Fx0e+Fx1o+..+Fx(lmax) these are
     * exactly the even scalars of every layer; for other irreps it is still what mace returns.
     */
    public int[] descriptorColumns() {
        Irreps first = arch.layers().getFirst().hiddenOut();
        int lmax = first.lmax();
        int f = first.dim() / ((lmax + 1) * (lmax + 1));
        int layers = arch.layers().size();
        int total = nodeFeatsDim();
        int[] cols = new int[layers * f];
        int count = 0;
        for (int i = 0; i < layers; i++) {
            int start = i * (lmax + 1) * (lmax + 1) * f;
            for (int c = 0; c < f && start + c < total; c++) {
                cols[count++] = start + c;
            }
        }
        return java.util.Arrays.copyOf(cols, count);
    }

    /** A batch: node element indices and atomic numbers, MACE-convention edges and their vectors. */
    public record Graph(int[] species, int[] atomicNumbers, int[] sender, int[] receiver, double[] vectors) {
        public int nodes() {
            return species.length;
        }

        public int edges() {
            return sender.length;
        }
    }

    /** Forward results per node, and dE/d(edge vector) per edge when asked. */
    public record Result(double[] nodeEnergy, double[] nodeInteractionEnergy, double[] nodeFeats, double[] edgeGradient,
                         Map<String, double[]> intermediates) {
    }

    /**
     * Evaluates the batch. {@code nodeEnergy} = E0[z] + scale * (pair + readouts) + shift per node;
     * {@code edgeGradient} (edges x 3, when {@code gradient}) = d(total energy)/d(edge vector).
     */
    public Result evaluate(Graph g, boolean gradient, boolean keepIntermediates) {
        int n = g.nodes();
        int edges = g.edges();
        Map<String, double[]> inter = keepIntermediates ? new LinkedHashMap<>() : null;
        int[] species = g.species();
        int[] zs = new int[edges];
        int[] zr = new int[edges];
        double[] lengths = new double[edges];
        double[] v = g.vectors();
        for (int e = 0; e < edges; e++) {
            zs[e] = g.atomicNumbers()[g.sender()[e]];
            zr[e] = g.atomicNumbers()[g.receiver()[e]];
            double x = v[3 * e];
            double y = v[3 * e + 1];
            double z = v[3 * e + 2];
            lengths[e] = Math.sqrt(x * x + y * y + z * z);
        }
        ConvGraph graph = ConvGraph.of(g.sender(), g.receiver(), n);

        // embeddings
        int ne = config.numElements();
        double[] oneHot = new double[n * ne];
        for (int i = 0; i < n; i++) {
            oneHot[i * ne + species[i]] = 1.0;
        }
        double[] h = embedding.forward(oneHot, n, embeddingWeight);
        int lmax = config.maxEll();
        double[] sh;
        double[] shJac = null;
        if (gradient) {
            SphericalHarmonics.WithJacobian wj = SphericalHarmonics.evaluateWithJacobian(lmax, v, true,
                    ShNormalization.COMPONENT);
            sh = wj.values();
            shJac = wj.jacobian();
        } else {
            sh = SphericalHarmonics.evaluate(lmax, v, true, ShNormalization.COMPONENT);
        }
        double[] dRadial = gradient ? new double[edges * config.numBessel()] : null;
        double[] edgeFeats = radialEmbedding.forward(lengths, zs, zr, dRadial);
        double[] pairNode = new double[n];
        double[] dZbl = null;
        if (zbl != null) {
            dZbl = gradient ? new double[edges] : null;
            double[] pe = zbl.edgeEnergies(lengths, zs, zr, dZbl);
            for (int e = 0; e < edges; e++) {
                pairNode[g.receiver()[e]] += pe[e];
            }
        }
        if (inter != null) {
            inter.put("node_embedding", h);
            inter.put("spherical_harmonics", sh);
            inter.put("radial_embedding.0", edgeFeats);
        }

        // interactions and products
        int layers = interactions.size();
        double[][] feats = new double[layers + 1][];
        double[][] messages = new double[layers][];
        InteractionBlock.Cache[] caches = new InteractionBlock.Cache[layers];
        boolean[] hasSc = new boolean[layers];
        feats[0] = h;
        for (int k = 0; k < layers; k++) {
            InteractionBlock.Output o = interactions.get(k).forward(feats[k], species, sh, edgeFeats, graph, gradient);
            messages[k] = o.message();
            caches[k] = o.cache();
            hasSc[k] = o.sc() != null;
            feats[k + 1] = products.get(k).forward(o.message(), species, o.sc());
            if (inter != null) {
                inter.put("interactions." + k + ".0", o.message());
                if (o.sc() != null) {
                    inter.put("interactions." + k + ".1", o.sc());
                }
                inter.put("products." + k, feats[k + 1]);
            }
        }

        // readouts, scale and shift
        double[] nodeInter = pairNode.clone();
        for (int k = 0; k < layers; k++) {
            double[] r = readouts.get(k).forward(feats[k + 1], n);
            if (inter != null) {
                inter.put("readouts." + k, r);
            }
            for (int i = 0; i < n; i++) {
                nodeInter[i] += r[i];
            }
        }
        double[] nodeEnergy = new double[n];
        for (int i = 0; i < n; i++) {
            nodeInter[i] = scale * nodeInter[i] + shift;
            nodeEnergy[i] = atomicEnergies[species[i]] + nodeInter[i];
        }
        int fd = nodeFeatsDim();
        double[] nodeFeats = new double[n * fd];
        int col = 0;
        for (int k = 0; k < layers; k++) {
            int d = arch.layers().get(k).hiddenOut().dim();
            for (int i = 0; i < n; i++) {
                System.arraycopy(feats[k + 1], i * d, nodeFeats, i * fd + col, d);
            }
            col += d;
        }
        double[] edgeGrad = gradient
                ? backward(g, graph, species, lengths, sh, shJac, dRadial, dZbl, feats, messages, caches, hasSc)
                : null;
        return new Result(nodeEnergy, nodeInter, nodeFeats, edgeGrad, inter);
    }

    /** The reverse pass of the total energy down to dE/d(edge vector). */
    private double[] backward(Graph g, ConvGraph graph, int[] species, double[] lengths, double[] sh, double[] shJac,
                              double[] dRadial, double[] dZbl, double[][] feats, double[][] messages,
                              InteractionBlock.Cache[] caches, boolean[] hasSc) {
        int n = g.nodes();
        int edges = g.edges();
        int layers = interactions.size();
        int shDim = SphericalHarmonics.dim(config.maxEll());
        int nb = config.numBessel();
        double[] seed = new double[n];
        java.util.Arrays.fill(seed, scale);
        double[][] gFeats = new double[layers + 1][];
        for (int k = 0; k < layers; k++) {
            gFeats[k + 1] = readouts.get(k).backward(feats[k + 1], n, seed);
        }
        double[] gSh = new double[edges * shDim];
        double[] gEdgeFeats = new double[edges * nb];
        for (int k = layers - 1; k >= 0; k--) {
            double[] gx = products.get(k).backward(messages[k], species, gFeats[k + 1]);
            InteractionBlock.Grads gr = interactions.get(k).backward(caches[k], species, sh, graph, gx,
                    hasSc[k] ? gFeats[k + 1] : null);
            if (k > 0) {
                double[] acc = gFeats[k];
                for (int q = 0; q < acc.length; q++) {
                    acc[q] += gr.nodeFeats()[q];
                }
            }
            add(gSh, gr.sh());
            add(gEdgeFeats, gr.edgeFeats());
        }
        double[] out = new double[edges * 3];
        double[] v = g.vectors();
        for (int e = 0; e < edges; e++) {
            double gr = 0;
            for (int k = 0; k < nb; k++) {
                gr += gEdgeFeats[e * nb + k] * dRadial[e * nb + k];
            }
            if (dZbl != null) {
                gr += scale * dZbl[e];
            }
            double r = lengths[e];
            for (int a = 0; a < 3; a++) {
                double s = r > 0 ? gr * v[3 * e + a] / r : 0;
                for (int m = 0; m < shDim; m++) {
                    s += gSh[e * shDim + m] * shJac[(e * shDim + m) * 3 + a];
                }
                out[3 * e + a] = s;
            }
        }
        return out;
    }

    private static void add(double[] acc, double[] x) {
        for (int q = 0; q < acc.length; q++) {
            acc[q] += x[q];
        }
    }

    @Override
    public void close() {
        for (InteractionBlock b : interactions) {
            b.close();
        }
        for (ProductBasisBlock p : products) {
            p.close();
        }
    }
}
