package org.e3spark.model.internal;

import org.e3spark.graph.BesselBasis;
import org.e3spark.graph.PolynomialCutoff;

/**
 * The radial features of {@link org.e3spark.graph.EdgeFeatures} (Bessel functions times the
 * polynomial envelope, R_n(r) = B_n(r) u(r)) together with their derivatives dR_n/dr, which forces
 * need: B_n'(r) = c (nπ/r_c · cos(nπr/r_c) r - sin(nπr/r_c)) / r^2 and, with x = r/r_c,
 * u'(r) = p(p+1)(p+2)/(2 r_c) · (-x^(p-1) + 2 x^p - x^(p+1)) (0 beyond r_c).
 */
public final class RadialBasis {

    private final double cutoff;
    private final int count;
    private final double prefactor;
    private final PolynomialCutoff envelope;

    public RadialBasis(BesselBasis bessel, PolynomialCutoff envelope) {
        this.cutoff = bessel.cutoff();
        this.count = bessel.count();
        this.prefactor = bessel.prefactor().of(cutoff); // the one definition, BesselBasis.Prefactor
        this.envelope = envelope;
    }

    public int count() {
        return count;
    }

    public double cutoff() {
        return cutoff;
    }

    /** The constant c of B_n(r) = c sin(nπr/r_c) / r. */
    public double prefactor() {
        return prefactor;
    }

    /** The envelope's power p. */
    public int envelopePower() {
        return envelope.p();
    }

    /** R (E x count) and, when {@code derivatives} is not null, dR/dr into it (E x count). */
    public double[] evaluate(double[] lengths, double[] derivativesOrNull) {
        int e = lengths.length;
        double[] out = new double[e * count];
        double w = Math.PI / cutoff;
        int p = envelope.p();
        for (int k = 0; k < e; k++) {
            double r = lengths[k];
            double u = envelope.value(r);
            double du = 0;
            if (r < cutoff) {
                double x = r / cutoff;
                double xp1 = Math.pow(x, p - 1);
                du = p * (p + 1.0) * (p + 2.0) / (2.0 * cutoff) * (-xp1 + 2 * xp1 * x - xp1 * x * x);
            }
            for (int n = 1; n <= count; n++) {
                double b;
                double db;
                if (r == 0) {
                    b = prefactor * n * w;
                    db = 0;
                } else {
                    double s = Math.sin(n * w * r);
                    double c = Math.cos(n * w * r);
                    b = prefactor * s / r;
                    db = prefactor * (n * w * c * r - s) / (r * r);
                }
                out[k * count + n - 1] = b * u;
                if (derivativesOrNull != null) {
                    derivativesOrNull[k * count + n - 1] = db * u + b * du;
                }
            }
        }
        return out;
    }
}
