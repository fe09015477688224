package org.e3spark.model;

/**
 * A featurizer's output for one batch, in batch order (structures as given, atoms in input order
 * within each): per-atom invariant features (N x atomWidth), per-structure features (S x 2
 * atomWidth: the sum over the structure's atoms, then the mean), the pooled scalar per structure
 * (the readout summed over atoms, an energy-like invariant), and, when asked, forces = -d(scalar)/d
 * positions (N x 3). Arrays are owned by the result (not copied on access).
 */
public record FeaturizerResult(long[] structureIds, int[] nodeOffsets, int atomWidth, double[] atomFeatures,
                               double[] structureFeatures, double[] energies, double[] forcesOrNull) {

    public int structureCount() {
        return structureIds.length;
    }

    public int nodeCount() {
        return nodeOffsets[nodeOffsets.length - 1];
    }

    public int structureWidth() {
        return 2 * atomWidth;
    }

    public boolean hasForces() {
        return forcesOrNull != null;
    }

    /** Atoms of structure s. */
    public int atomCount(int s) {
        return nodeOffsets[s + 1] - nodeOffsets[s];
    }
}
