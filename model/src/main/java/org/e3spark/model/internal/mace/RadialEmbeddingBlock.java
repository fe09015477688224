package org.e3spark.model.internal.mace;

/**
 * mace's {@code RadialEmbeddingBlock} with {@code radial_type="bessel"}: per edge the Bessel basis
 * {@code prefactor * sin(w_n t) / t} of the (optionally Agnesi-transformed) length t, times the
 * polynomial cutoff of the untransformed length r (mace applies the cutoff to the features, so the
 * interaction blocks get {@code cutoff = None}). Also the derivative of every feature with respect
 * to r, which the force pass needs.
 */
final class RadialEmbeddingBlock {

    private final double[] besselWeights;
    private final double prefactor;
    private final PolynomialCutoff cutoff;
    private final AgnesiTransform transform; // null: distance_transform "None"

    RadialEmbeddingBlock(double[] besselWeights, double prefactor, PolynomialCutoff cutoff, AgnesiTransform transform) {
        this.besselWeights = besselWeights.clone();
        this.prefactor = prefactor;
        this.cutoff = cutoff;
        this.transform = transform;
    }

    int numBasis() {
        return besselWeights.length;
    }

    /**
     * Edge features (edges x numBasis) and, when {@code derivative} is non-null, d feature / d r into it.
     * {@code zSender}/{@code zReceiver} are atomic numbers per edge (the Agnesi transform needs them).
     */
    double[] forward(double[] lengths, int[] zSender, int[] zReceiver, double[] derivative) {
        int nb = besselWeights.length;
        double[] out = new double[lengths.length * nb];
        double[] tr = new double[2];
        for (int e = 0; e < lengths.length; e++) {
            double r = lengths[e];
            double c = cutoff.value(r);
            double dc = derivative != null ? cutoff.derivative(r) : 0;
            double t = r;
            double dt = 1;
            if (transform != null) {
                transform.apply(r, zSender[e], zReceiver[e], tr);
                t = tr[0];
                dt = tr[1];
            }
            for (int k = 0; k < nb; k++) {
                double w = besselWeights[k];
                double s = Math.sin(w * t);
                double b = prefactor * (s / t);
                out[e * nb + k] = b * c;
                if (derivative != null) {
                    double db = prefactor * (w * Math.cos(w * t) * t - s) / (t * t);
                    derivative[e * nb + k] = db * dt * c + b * dc;
                }
            }
        }
        return out;
    }
}
