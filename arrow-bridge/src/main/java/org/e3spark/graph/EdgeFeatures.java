package org.e3spark.graph;

import org.e3spark.kernels.ShNormalization;
import org.e3spark.kernels.SphericalHarmonics;

/**
 * Per-edge inputs of a NequIP/MACE interaction block, from an {@link EdgeList}:
 * <ul>
 *   <li>{@code sh}: spherical harmonics Y^0..Y^lmax of the edge vectors D, normalized first,
 *       'component' normalization — e3nn's {@code o3.spherical_harmonics(range(lmax+1), D,
 *       normalize=True, normalization='component')}; E x (lmax+1)^2, edge-major.</li>
 *   <li>{@code radial}: the Bessel basis times the polynomial envelope, B_n(|D|) u(|D|);
 *       E x count, edge-major.</li>
 * </ul>
 * The envelope's cutoff is the basis's cutoff, which should be the graph's.
 */
public record EdgeFeatures(int lmax, BesselBasis bessel, PolynomialCutoff envelope) {

    /** Computed features of one edge set (arrays shared, not copied: treat as read-only). */
    public static final class Values {
        private final int edgeCount;
        private final int shDim;
        private final int radialDim;
        private final double[] sh;
        private final double[] radial;

        Values(int edgeCount, int shDim, int radialDim, double[] sh, double[] radial) {
            if (sh.length != edgeCount * shDim || radial.length != edgeCount * radialDim) {
                throw new IllegalArgumentException("feature arrays do not match " + edgeCount + " edges");
            }
            this.edgeCount = edgeCount;
            this.shDim = shDim;
            this.radialDim = radialDim;
            this.sh = sh;
            this.radial = radial;
        }

        public int edgeCount() {
            return edgeCount;
        }

        public int shDim() {
            return shDim;
        }

        public int radialDim() {
            return radialDim;
        }

        /** E x (lmax+1)^2, edge-major. */
        public double[] sh() {
            return sh;
        }

        /** E x count, edge-major. */
        public double[] radial() {
            return radial;
        }
    }

    public EdgeFeatures {
        if (lmax < 0 || lmax > SphericalHarmonics.MAX_L) {
            throw new IllegalArgumentException("lmax must be in 0.." + SphericalHarmonics.MAX_L + ", got " + lmax);
        }
        if (bessel == null || envelope == null) {
            throw new IllegalArgumentException("a radial basis and an envelope are required");
        }
        if (bessel.cutoff() != envelope.cutoff()) {
            throw new IllegalArgumentException("Bessel cutoff " + bessel.cutoff() + " and envelope cutoff "
                    + envelope.cutoff() + " differ");
        }
    }

    /** MACE's defaults for a cutoff: 8 Bessel functions (MACE prefactor), envelope p = 5. */
    public static EdgeFeatures mace(int lmax, double cutoff) {
        return new EdgeFeatures(lmax, new BesselBasis(cutoff, 8, BesselBasis.Prefactor.MACE),
                new PolynomialCutoff(cutoff, 5));
    }

    /** NequIP's defaults for a cutoff: 8 Bessel functions (NequIP prefactor), envelope p = 6. */
    public static EdgeFeatures nequip(int lmax, double cutoff) {
        return new EdgeFeatures(lmax, new BesselBasis(cutoff, 8, BesselBasis.Prefactor.NEQUIP),
                new PolynomialCutoff(cutoff, 6));
    }

    /** The same features with another number of Bessel functions. */
    public EdgeFeatures withRadialCount(int count) {
        return new EdgeFeatures(lmax, new BesselBasis(bessel.cutoff(), count, bessel.prefactor()), envelope);
    }

    public int shDim() {
        return SphericalHarmonics.dim(lmax);
    }

    public int radialDim() {
        return bessel.count();
    }

    public Values compute(EdgeList edges) {
        return compute(edges.vectors(), edges.lengths());
    }

    /** Features of edge vectors (E x 3) with their lengths (E). */
    public Values compute(double[] vectors, double[] lengths) {
        int e = lengths.length;
        if (vectors.length != 3 * e) {
            throw new IllegalArgumentException(vectors.length + " vector values for " + e + " lengths");
        }
        double[] sh = SphericalHarmonics.evaluate(lmax, vectors, true, ShNormalization.COMPONENT);
        int nb = bessel.count();
        double[] radial = new double[e * nb];
        for (int k = 0; k < e; k++) {
            double r = lengths[k];
            bessel.evaluate(r, radial, k * nb);
            double u = envelope.value(r);
            for (int n = 0; n < nb; n++) {
                radial[k * nb + n] *= u;
            }
        }
        return new Values(e, shDim(), nb, sh, radial);
    }
}
