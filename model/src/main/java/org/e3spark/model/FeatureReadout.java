package org.e3spark.model;

/**
 * The featurizer's readout on the host: per-structure features (the sum over the structure's atoms,
 * then the mean: 2 x the atom width) and per-structure sums of a per-atom scalar (the energy-like
 * pooled readout). Sums run in atom order, so a structure's values do not depend on its batch.
 */
final class FeatureReadout {

    private FeatureReadout() {
    }

    /** S x 2 width: per structure the sum of its atoms' rows, then their mean. */
    static double[] sumAndMean(double[] atom, int[] structureOf, int[] nodeOffsets, int width) {
        int s = nodeOffsets.length - 1;
        double[] out = new double[s * 2 * width];
        for (int i = 0; i < structureOf.length; i++) {
            int k = structureOf[i];
            for (int q = 0; q < width; q++) {
                out[k * 2 * width + q] += atom[i * width + q];
            }
        }
        for (int k = 0; k < s; k++) {
            int atoms = nodeOffsets[k + 1] - nodeOffsets[k];
            for (int q = 0; q < width; q++) {
                out[k * 2 * width + width + q] = out[k * 2 * width + q] / atoms;
            }
        }
        return out;
    }

    /** Per structure the sum of a per-atom scalar. */
    static double[] perStructure(double[] perAtom, int[] structureOf, int structures) {
        double[] out = new double[structures];
        for (int i = 0; i < structureOf.length; i++) {
            out[structureOf[i]] += perAtom[i];
        }
        return out;
    }
}
