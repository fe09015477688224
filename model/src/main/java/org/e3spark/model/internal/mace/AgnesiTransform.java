package org.e3spark.model.internal.mace;

/**
 * mace's {@code AgnesiTransform} (ACEpotentials.jl's radial transform): with x = r / r0 and
 * r0 = (covalent radius of sender + of receiver) / 2,
 * {@code t = 1 / (1 + a x^q / (1 + x^(q - p)))}; the radii, a, q and p come from the state dict
 * ({@code radial_embedding.distance_transform.*}), as real checkpoints carry them.
 */
final class AgnesiTransform {

    private final double q;
    private final double p;
    private final double a;
    private final double[] covalentRadii;

    AgnesiTransform(double q, double p, double a, double[] covalentRadii) {
        this.q = q;
        this.p = p;
        this.a = a;
        this.covalentRadii = covalentRadii.clone();
    }

    /** out[0] = t(r), out[1] = dt/dr. */
    void apply(double r, int zSender, int zReceiver, double[] out) {
        double r0 = 0.5 * (covalentRadii[zSender] + covalentRadii[zReceiver]);
        double x = r / r0;
        double xq = Math.pow(x, q);
        double xqp = Math.pow(x, q - p);
        double den = 1 + xqp;
        double g = a * xq / den;
        double t = 1.0 / (1 + g);
        // dg/dx = a (q x^(q-1) (1 + x^(q-p)) - x^q (q-p) x^(q-p-1)) / (1 + x^(q-p))^2
        double dg = a * (q * xq / x * den - xq * (q - p) * xqp / x) / (den * den);
        out[0] = t;
        out[1] = -t * t * dg / r0;
    }
}
