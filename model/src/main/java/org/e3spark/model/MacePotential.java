package org.e3spark.model;

import java.util.List;
import java.util.Objects;
import org.e3spark.data.Cell;
import org.e3spark.data.Structure;
import org.e3spark.graph.EdgeList;
import org.e3spark.graph.RadiusGraph;
import org.e3spark.kernels.DType;
import org.e3spark.model.internal.mace.MaceNetwork;

/**
 * A {@link MaceModel} ready to evaluate on one compute target and dtype: energies, forces, stress,
 * node features and descriptors, as mace-torch's {@code ScaleShiftMACE.forward} and
 * {@code MACECalculator.get_descriptors} give them. Graphs are e3spark's radius graphs (r_max from
 * the model, ASE's "ijS" edges, which MACE reads as sender i, receiver j, vector
 * {@code x_j - x_i + S·cell}). Forces and stress come from the exact reverse pass in float64 on the
 * host; with {@link DType#FLOAT32} the convolutions and symmetric contractions of the forward pass run
 * in float32. Not thread-safe; close it to release its kernels.
 */
public final class MacePotential implements AutoCloseable {

    private final MaceModel model;
    private final MaceNetwork network;
    private final RadiusGraph radiusGraph;
    private boolean closed;

    private MacePotential(MaceModel model, MaceNetwork network) {
        this.model = model;
        this.network = network;
        this.radiusGraph = new RadiusGraph(model.rMax());
    }

    /** {@code AUTO} runs on the CPU; a CUDA or HIP target is refused (not yet implemented). */
    public static MacePotential create(MaceModel model, ComputeTarget target, DType dtype) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(dtype, "dtype");
        switch (target.backend()) {
            case CUDA, HIP -> throw new UnsupportedOperationException("MACE on " + target.backend()
                    + " is not yet implemented; use ComputeTarget.cpu() (or auto, which runs on the CPU)");
            case CPU, CPU_REFERENCE, AUTO -> {
            }
        }
        return new MacePotential(model, model.network(dtype));
    }

    public MaceModel model() {
        return model;
    }

    public DType dtype() {
        return network.dtype();
    }

    /**
     * Evaluates a batch. An element the model does not know is an {@link IllegalArgumentException}
     * naming the structure id and the element.
     */
    public MaceResult evaluate(List<Structure> structures, boolean forces, boolean stress) {
        if (closed) {
            throw new IllegalStateException("this MacePotential is closed");
        }
        int count = structures.size();
        if (count == 0) {
            int[] none = new int[0];
            double[] empty = new double[0];
            return new MaceResult(none, none, empty, empty, empty, forces ? empty : null, stress ? empty : null, empty,
                    network.nodeFeatsDim(), empty, network.descriptorColumns().length);
        }
        int[] atomCounts = new int[count];
        int[] edgeCounts = new int[count];
        int[] nodeStart = new int[count + 1];
        EdgeList[] graphs = new EdgeList[count];
        int edges = 0;
        for (int s = 0; s < count; s++) {
            Structure st = structures.get(s);
            for (int i = 0; i < st.atomCount(); i++) {
                if (network.config().elementIndex(st.number(i)) < 0) {
                    throw new IllegalArgumentException("structure " + st.id() + ": element Z = " + st.number(i)
                            + " (atom " + i + ") is not one of the model's elements "
                            + java.util.Arrays.toString(model.atomicNumbers()));
                }
            }
            atomCounts[s] = st.atomCount();
            nodeStart[s + 1] = nodeStart[s] + st.atomCount();
            graphs[s] = radiusGraph.build(st);
            edgeCounts[s] = graphs[s].edgeCount();
            edges = Math.addExact(edges, edgeCounts[s]);
        }
        int n = nodeStart[count];
        int[] species = new int[n];
        int[] z = new int[n];
        int[] sender = new int[edges];
        int[] receiver = new int[edges];
        int[] edgeStructure = new int[edges];
        double[] vectors = new double[3 * edges];
        int e = 0;
        for (int s = 0; s < count; s++) {
            Structure st = structures.get(s);
            int base = nodeStart[s];
            for (int i = 0; i < st.atomCount(); i++) {
                z[base + i] = st.number(i);
                species[base + i] = network.config().elementIndex(st.number(i));
            }
            EdgeList g = graphs[s];
            for (int k = 0; k < g.edgeCount(); k++, e++) {
                // EdgeList's receiver i / sender j / D = x_j - x_i + S·cell is ASE's (i, j, S): MACE's sender i, receiver j
                sender[e] = base + g.receiver(k);
                receiver[e] = base + g.sender(k);
                edgeStructure[e] = s;
                for (int a = 0; a < 3; a++) {
                    vectors[3 * e + a] = g.vector(k, a);
                }
            }
        }
        boolean gradient = forces || stress;
        MaceNetwork.Result r = network.evaluate(new MaceNetwork.Graph(species, z, sender, receiver, vectors), gradient,
                false);
        double[] energies = new double[count];
        double[] interaction = new double[count];
        for (int s = 0; s < count; s++) {
            double sum = 0;
            double inter = 0;
            for (int i = nodeStart[s]; i < nodeStart[s + 1]; i++) {
                sum += r.nodeEnergy()[i];
                inter += r.nodeInteractionEnergy()[i];
            }
            energies[s] = sum;
            interaction[s] = inter;
        }
        double[] f = null;
        if (forces) {
            f = new double[3 * n];
            double[] g = r.edgeGradient();
            for (int k = 0; k < edges; k++) {
                for (int a = 0; a < 3; a++) {
                    // vector = x_receiver - x_sender: F = -dE/dx
                    f[3 * receiver[k] + a] -= g[3 * k + a];
                    f[3 * sender[k] + a] += g[3 * k + a];
                }
            }
        }
        double[] sigma = null;
        if (stress) {
            sigma = new double[9 * count];
            double[] virial = new double[9 * count];
            double[] g = r.edgeGradient();
            for (int k = 0; k < edges; k++) {
                int s = edgeStructure[k];
                for (int a = 0; a < 3; a++) {
                    for (int b = 0; b < 3; b++) {
                        virial[9 * s + 3 * a + b] += vectors[3 * k + a] * g[3 * k + b];
                    }
                }
            }
            for (int s = 0; s < count; s++) {
                double volume = volume(structures.get(s));
                for (int a = 0; a < 3; a++) {
                    for (int b = 0; b < 3; b++) {
                        double sym = 0.5 * (virial[9 * s + 3 * a + b] + virial[9 * s + 3 * b + a]);
                        double v = volume > 0 ? sym / volume : 0.0;
                        // mace zeroes what a zero volume blows up (|stress| >= 1e10)
                        sigma[9 * s + 3 * a + b] = Math.abs(v) < 1e10 ? v : 0.0;
                    }
                }
            }
        }
        int fd = network.nodeFeatsDim();
        int[] cols = network.descriptorColumns();
        double[] desc = new double[n * cols.length];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < cols.length; c++) {
                desc[i * cols.length + c] = r.nodeFeats()[i * fd + cols[c]];
            }
        }
        return new MaceResult(atomCounts, edgeCounts, energies, interaction, r.nodeEnergy(), f, sigma, r.nodeFeats(), fd, desc, cols.length);
    }

    /** |det(cell)| of a structure with a periodic axis, else 0 (mace's stress is 0 there). */
    private static double volume(Structure s) {
        if (!s.periodic()) {
            return 0;
        }
        Cell c = s.cell().orElseThrow();
        double[] m = c.rows();
        double det = m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6])
                + m[2] * (m[3] * m[7] - m[4] * m[6]);
        return Math.abs(det);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            network.close();
        }
    }
}
