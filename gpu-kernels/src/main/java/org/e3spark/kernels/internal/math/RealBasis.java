package org.e3spark.kernels.internal.math;

/**
 * e3nn's change of basis from the complex spherical basis to its real one
 * ({@code e3nn.o3._wigner.change_basis_real_to_complex}), stored sparsely.
 *
 * <p>Q_l has rows indexed by the complex m' and columns by the real m (both offset by l). Every
 * column has at most two nonzeros, rows l+m and l-m, which keeps the change of basis of a
 * (2l1+1)(2l2+1)(2l3+1) tensor at 8 products per entry instead of a dense triple contraction.
 */
final class RealBasis {

    private static final double INV_SQRT2 = 1.0 / Math.sqrt(2.0);

    /** Complex entries of column c of Q_l: rows[c][t], re[c][t], im[c][t] for t < count[c]. */
    final int[][] rows;
    final double[][] re;
    final double[][] im;

    private RealBasis(int l) {
        int d = 2 * l + 1;
        // Build dense then compress: clarity over cleverness, it is done once per l.
        double[][] qr = new double[d][d];
        double[][] qi = new double[d][d];
        for (int m = -l; m < 0; m++) {
            qr[l + m][l - m] = INV_SQRT2;   // column l + |m|
            qi[l + m][l + m] = -INV_SQRT2;  // column l - |m|
        }
        qr[l][l] = 1.0;
        for (int m = 1; m <= l; m++) {
            double sign = (m % 2 == 0) ? 1.0 : -1.0;
            qr[l + m][l + m] = sign * INV_SQRT2;
            qi[l + m][l - m] = sign * INV_SQRT2;
        }
        // Multiply all of Q_l by (-i)^l.
        double pr;
        double pi;
        switch (l % 4) {
            case 0 -> { pr = 1; pi = 0; }
            case 1 -> { pr = 0; pi = -1; }
            case 2 -> { pr = -1; pi = 0; }
            default -> { pr = 0; pi = 1; }
        }
        rows = new int[d][];
        re = new double[d][];
        im = new double[d][];
        for (int c = 0; c < d; c++) {
            int n = 0;
            for (int r = 0; r < d; r++) {
                if (qr[r][c] != 0 || qi[r][c] != 0) {
                    n++;
                }
            }
            rows[c] = new int[n];
            re[c] = new double[n];
            im[c] = new double[n];
            int t = 0;
            for (int r = 0; r < d; r++) {
                if (qr[r][c] != 0 || qi[r][c] != 0) {
                    rows[c][t] = r;
                    re[c][t] = qr[r][c] * pr - qi[r][c] * pi;
                    im[c][t] = qr[r][c] * pi + qi[r][c] * pr;
                    t++;
                }
            }
        }
    }

    static RealBasis of(int l) {
        return new RealBasis(l);
    }
}
