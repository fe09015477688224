package org.e3spark.graph;

/**
 * The smooth polynomial cutoff envelope of NequIP and MACE (DimeNet's eq. 8):
 * u(r) = 1 - (p+1)(p+2)/2 x^p + p(p+2) x^(p+1) - p(p+1)/2 x^(p+2) with x = r / cutoff, and 0 for
 * r >= cutoff. u(0) = 1; u, u' and u'' vanish at the cutoff. NequIP's default p is 6, MACE's 5.
 */
public record PolynomialCutoff(double cutoff, int p) {

    public PolynomialCutoff {
        if (!(cutoff > 0) || !Double.isFinite(cutoff)) {
            throw new IllegalArgumentException("envelope cutoff must be a positive finite length, got " + cutoff);
        }
        if (p < 1 || p > 64) {
            throw new IllegalArgumentException("envelope power p must be in 1..64, got " + p);
        }
    }

    public double value(double r) {
        if (r >= cutoff) {
            return 0.0;
        }
        double x = r / cutoff;
        double xp = Math.pow(x, p);
        return 1.0 - (p + 1.0) * (p + 2.0) / 2.0 * xp + p * (p + 2.0) * xp * x - p * (p + 1.0) / 2.0 * xp * x * x;
    }
}
