package org.e3spark.graph;

/**
 * The radial Bessel basis of DimeNet as NequIP and MACE use it (not trainable here):
 * B_n(r) = c sin(n π r / cutoff) / r for n = 1..count, with c = sqrt(2 / cutoff) (MACE's
 * {@code BesselBasis}) or 2 / cutoff (NequIP's, which omits the root); see {@link Prefactor}.
 */
public record BesselBasis(double cutoff, int count, Prefactor prefactor) {

    /** The constant in front of sin(n π r / cutoff) / r. */
    public enum Prefactor {
        /** sqrt(2 / cutoff), MACE's {@code mace.modules.radial.BesselBasis}. */
        MACE,
        /** 2 / cutoff, NequIP's {@code BesselBasis}. */
        NEQUIP;

        /** The constant for a cutoff: the one definition (the featurizer's RadialBasis reads it). */
        public double of(double cutoff) {
            return switch (this) {
                case MACE -> Math.sqrt(2.0 / cutoff);
                case NEQUIP -> 2.0 / cutoff;
            };
        }
    }

    public BesselBasis {
        if (!(cutoff > 0) || !Double.isFinite(cutoff)) {
            throw new IllegalArgumentException("Bessel cutoff must be a positive finite length, got " + cutoff);
        }
        if (count < 1 || count > 1024) {
            throw new IllegalArgumentException("number of Bessel functions must be in 1..1024, got " + count);
        }
        if (prefactor == null) {
            throw new IllegalArgumentException("Bessel prefactor convention is required");
        }
    }

    /**
     * Writes B_1(r) .. B_count(r) to {@code out[at ..]}. At r = 0 the limit c n π / cutoff is used
     * (the functions are smooth there; only coincident atoms reach it).
     */
    public void evaluate(double r, double[] out, int at) {
        double c = prefactor.of(cutoff);
        double w = Math.PI / cutoff;
        if (r == 0) {
            for (int n = 1; n <= count; n++) {
                out[at + n - 1] = c * n * w;
            }
            return;
        }
        double scale = c / r;
        for (int n = 1; n <= count; n++) {
            out[at + n - 1] = scale * Math.sin(n * w * r);
        }
    }
}
