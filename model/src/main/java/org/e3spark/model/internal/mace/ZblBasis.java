package org.e3spark.model.internal.mace;

/**
 * mace's {@code ZBLBasis} (the Ziegler-Biersack-Littmark screened nuclear repulsion of
 * MACE-MP-0b): per edge {@code 0.5 * 14.3996 Z_u Z_v / r * phi(r / a) * envelope(r)} with
 * {@code a = a_prefactor * 0.529 / (Z_u^a_exp + Z_v^a_exp)}, phi the four-exponential screening with
 * coefficients c, and the polynomial envelope cut at the sum of the two covalent radii; summed into
 * the receiver. Each edge appears in both directions, so the 0.5 gives each pair its full energy once.
 */
final class ZblBasis {

    private static final double[] EXPONENTS = {3.2, 0.9423, 0.4028, 0.2016};

    private final double[] c;
    private final double aExp;
    private final double aPrefactor;
    private final double[] covalentRadii;
    private final int p;

    ZblBasis(double[] c, double aExp, double aPrefactor, double[] covalentRadii, int p) {
        this.c = c.clone();
        this.aExp = aExp;
        this.aPrefactor = aPrefactor;
        this.covalentRadii = covalentRadii.clone();
        this.p = p;
    }

    /** Edge energies; dE/dr per edge into {@code derivative} when non-null. */
    double[] edgeEnergies(double[] lengths, int[] zSender, int[] zReceiver, double[] derivative) {
        double[] out = new double[lengths.length];
        for (int e = 0; e < lengths.length; e++) {
            double x = lengths[e];
            int zu = zSender[e];
            int zv = zReceiver[e];
            double a = aPrefactor * 0.529 / (Math.pow(zu, aExp) + Math.pow(zv, aExp));
            double ra = x / a;
            double phi = 0;
            double dphi = 0;
            for (int k = 0; k < 4; k++) {
                double ex = Math.exp(-EXPONENTS[k] * ra);
                phi += c[k] * ex;
                dphi -= c[k] * EXPONENTS[k] / a * ex;
            }
            double zz = 14.3996 * zu * zv;
            double v = zz / x * phi;
            double rMax = covalentRadii[zu] + covalentRadii[zv];
            double env = PolynomialCutoff.value(x, rMax, p);
            out[e] = 0.5 * v * env;
            if (derivative != null) {
                double dv = zz * (dphi / x - phi / (x * x));
                derivative[e] = 0.5 * (dv * env + v * PolynomialCutoff.derivative(x, rMax, p));
            }
        }
        return out;
    }
}
