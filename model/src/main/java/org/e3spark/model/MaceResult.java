package org.e3spark.model;

/**
 * What {@link MacePotential#evaluate} returns for a batch of structures, in mace-torch's units (eV,
 * Å): per structure the energy (and the stress, structures x 9 row-major, -virial / volume from the
 * symmetric cell displacement, 0 for structures without a periodic volume); per atom, atoms of all
 * structures in order, the node energy, the forces (atoms x 3, -dE/dr), mace's {@code node_feats}
 * (every layer's product output) and the descriptors of
 * {@code MACECalculator.get_descriptors(invariants_only=True)}. Forces and stress are null unless
 * asked for. Arrays are returned as copies.
 */
public final class MaceResult {

    private final int[] atomCounts;
    private final int[] edgeCounts;
    private final double[] energies;
    private final double[] interactionEnergies;
    private final double[] nodeEnergies;
    private final double[] forces;
    private final double[] stress;
    private final double[] nodeFeatures;
    private final int nodeFeatureDim;
    private final double[] descriptors;
    private final int descriptorDim;

    MaceResult(int[] atomCounts, int[] edgeCounts, double[] energies, double[] interactionEnergies, double[] nodeEnergies, double[] forces, double[] stress,
               double[] nodeFeatures, int nodeFeatureDim, double[] descriptors, int descriptorDim) {
        this.atomCounts = atomCounts;
        this.edgeCounts = edgeCounts;
        this.energies = energies;
        this.interactionEnergies = interactionEnergies;
        this.nodeEnergies = nodeEnergies;
        this.forces = forces;
        this.stress = stress;
        this.nodeFeatures = nodeFeatures;
        this.nodeFeatureDim = nodeFeatureDim;
        this.descriptors = descriptors;
        this.descriptorDim = descriptorDim;
    }

    public int structureCount() {
        return energies.length;
    }

    /** Atoms of structure s. */
    public int atomCount(int s) {
        return atomCounts[s];
    }

    /** Directed edges of structure s in e3spark's radius graph (every image pair within r_max). */
    public int edgeCount(int s) {
        return edgeCounts[s];
    }

    public double[] energies() {
        return energies.clone();
    }

    /** mace's {@code interaction_energy}: the energy without the E0 sum (scaled pair + readouts + shifts). */
    public double[] interactionEnergies() {
        return interactionEnergies.clone();
    }

    public double[] nodeEnergies() {
        return nodeEnergies.clone();
    }

    /** atoms x 3, or null when forces were not asked for. */
    public double[] forces() {
        return forces == null ? null : forces.clone();
    }

    /** structures x 9, or null when stress was not asked for. */
    public double[] stress() {
        return stress == null ? null : stress.clone();
    }

    /** atoms x {@link #nodeFeatureDim()}. */
    public double[] nodeFeatures() {
        return nodeFeatures.clone();
    }

    public int nodeFeatureDim() {
        return nodeFeatureDim;
    }

    /** atoms x {@link #descriptorDim()}. */
    public double[] descriptors() {
        return descriptors.clone();
    }

    public int descriptorDim() {
        return descriptorDim;
    }
}
