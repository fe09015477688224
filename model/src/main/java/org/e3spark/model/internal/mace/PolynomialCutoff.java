package org.e3spark.model.internal.mace;

/**
 * mace's {@code PolynomialCutoff.calculate_envelope}: with u = r / r_max,
 * {@code 1 - (p+1)(p+2)/2 u^p + p(p+2) u^(p+1) - p(p+1)/2 u^(p+2)} for r &lt; r_max, else 0
 * (smooth to second order at r_max). Used by the radial embedding and by ZBL (per element pair).
 */
record PolynomialCutoff(double rMax, int p) {

    double value(double r) {
        return value(r, rMax, p);
    }

    double derivative(double r) {
        return derivative(r, rMax, p);
    }

    static double value(double r, double rMax, int p) {
        double u = r / rMax;
        double env = 1.0 - ((p + 1.0) * (p + 2.0) / 2.0) * Math.pow(u, p) + p * (p + 2.0) * Math.pow(u, p + 1)
                - (p * (p + 1.0) / 2) * Math.pow(u, p + 2);
        return r < rMax ? env : 0.0;
    }

    static double derivative(double r, double rMax, int p) {
        if (!(r < rMax)) {
            return 0.0;
        }
        double u = r / rMax;
        double d = -((p + 1.0) * (p + 2.0) / 2.0) * p * Math.pow(u, p - 1) + p * (p + 2.0) * (p + 1) * Math.pow(u, p)
                - (p * (p + 1.0) / 2) * (p + 2) * Math.pow(u, p + 1);
        return d / rMax;
    }
}
