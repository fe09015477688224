package org.e3spark.kernels.internal.math;

/**
 * Builds e3nn's real Clebsch-Gordan tensor (its {@code wigner_3j}, e3nn >= 0.5) by the recipe of
 * SPEC §3: exact complex coefficients, the real change of basis on each leg, then unit Frobenius
 * norm. Shape (2l1+1, 2l2+1, 2l3+1), flat row-major.
 */
public final class Wigner3jBuilder {

    private Wigner3jBuilder() {
    }

    public static double[] build(int l1, int l2, int l3) {
        int d1 = 2 * l1 + 1;
        int d2 = 2 * l2 + 1;
        int d3 = 2 * l3 + 1;
        double[] complexCg = new double[d1 * d2 * d3];
        for (int a = 0; a < d1; a++) {
            for (int b = 0; b < d2; b++) {
                int m3 = (a - l1) + (b - l2);
                if (Math.abs(m3) <= l3) {
                    complexCg[(a * d2 + b) * d3 + (m3 + l3)] =
                            RacahFormula.coefficient(l1, a - l1, l2, b - l2, l3, m3);
                }
            }
        }
        RealBasis q1 = RealBasis.of(l1);
        RealBasis q2 = RealBasis.of(l2);
        RealBasis q3 = RealBasis.of(l3);

        // C_real[a', b', c'] = sum_{a,b,c} Q1[a,a'] Q2[b,b'] conj(Q3[c,c']) CG[a,b,c]; keep the real part.
        double[] real = new double[d1 * d2 * d3];
        double maxImag = 0;
        for (int ar = 0; ar < d1; ar++) {
            for (int br = 0; br < d2; br++) {
                for (int cr = 0; cr < d3; cr++) {
                    double sumRe = 0;
                    double sumIm = 0;
                    for (int s = 0; s < q1.rows[ar].length; s++) {
                        int a = q1.rows[ar][s];
                        for (int t = 0; t < q2.rows[br].length; t++) {
                            int b = q2.rows[br][t];
                            // Q1 * Q2
                            double xr = q1.re[ar][s] * q2.re[br][t] - q1.im[ar][s] * q2.im[br][t];
                            double xi = q1.re[ar][s] * q2.im[br][t] + q1.im[ar][s] * q2.re[br][t];
                            for (int u = 0; u < q3.rows[cr].length; u++) {
                                int c = q3.rows[cr][u];
                                double cg = complexCg[(a * d2 + b) * d3 + c];
                                if (cg == 0) {
                                    continue;
                                }
                                // times conj(Q3)
                                double yr = q3.re[cr][u];
                                double yi = -q3.im[cr][u];
                                sumRe += (xr * yr - xi * yi) * cg;
                                sumIm += (xr * yi + xi * yr) * cg;
                            }
                        }
                    }
                    real[(ar * d2 + br) * d3 + cr] = sumRe;
                    maxImag = Math.max(maxImag, Math.abs(sumIm));
                }
            }
        }
        if (maxImag > 1e-9) {
            throw new IllegalStateException("wigner_3j(" + l1 + "," + l2 + "," + l3
                    + ") has an imaginary part of " + maxImag + " after the change of basis");
        }
        double norm = 0;
        for (double v : real) {
            norm += v * v;
        }
        norm = Math.sqrt(norm);
        for (int i = 0; i < real.length; i++) {
            real[i] /= norm;
            if (Math.abs(real[i]) < 1e-15) {
                real[i] = 0.0; // exact zeros in e3nn stay exact zeros here, so sparsity is visible
            }
        }
        return real;
    }
}
