package org.e3spark.kernels;

import org.e3spark.kernels.internal.math.Wigner3jCache;

/**
 * Wigner D matrices of proper rotations in e3nn's real basis, built from the same coupling
 * tensors as the tensor products: D^0 = 1, D^1 = R (the l = 1 basis is exactly x, y, z), and
 * D^l = (2l+1) C^T (D^(l-1) (x) D^1) C with C = wigner_3j(l-1, 1, l), which holds because C is an
 * intertwiner of unit norm. Used to check equivariance; parity is handled separately (an
 * improper rotation -R acts as p * D^l(R) on an irrep of parity p).
 */
public final class WignerD {

    private WignerD() {
    }

    /** D^l(R) as a flat (2l+1) x (2l+1) row-major matrix; R is a 3x3 row-major rotation matrix. */
    public static double[] of(int l, double[] rotation) {
        if (rotation.length != 9) {
            throw new IllegalArgumentException("rotation must be a 3x3 matrix (9 values), got " + rotation.length);
        }
        double[] d = {1.0};
        for (int n = 1; n <= l; n++) {
            d = raise(n, d, rotation);
        }
        return d;
    }

    private static double[] raise(int l, double[] dPrev, double[] r) {
        int dp = 2 * l - 1;
        int dl = 2 * l + 1;
        double[] c = Wigner3jCache.get(l - 1, 1, l);
        // tmp[(i, j), k'] = sum_{i', j'} D^(l-1)[i, i'] R[j, j'] C[(i', j'), k']
        double[] tmp = new double[dp * 3 * dl];
        for (int i = 0; i < dp; i++) {
            for (int j = 0; j < 3; j++) {
                for (int kp = 0; kp < dl; kp++) {
                    double s = 0;
                    for (int ip = 0; ip < dp; ip++) {
                        double a = dPrev[i * dp + ip];
                        if (a == 0) {
                            continue;
                        }
                        for (int jp = 0; jp < 3; jp++) {
                            s += a * r[j * 3 + jp] * c[(ip * 3 + jp) * dl + kp];
                        }
                    }
                    tmp[(i * 3 + j) * dl + kp] = s;
                }
            }
        }
        double[] d = new double[dl * dl];
        for (int k = 0; k < dl; k++) {
            for (int kp = 0; kp < dl; kp++) {
                double s = 0;
                for (int ij = 0; ij < dp * 3; ij++) {
                    s += c[ij * dl + k] * tmp[ij * dl + kp];
                }
                d[k * dl + kp] = (2 * l + 1) * s;
            }
        }
        return d;
    }

    /**
     * Applies the representation of the rotation (and, with {@code inversion}, of the parity
     * operation) to every row of features in the given irreps and layout: row' = D(R) row.
     */
    public static double[] rotate(Irreps irreps, Layout layout, double[] rows, double[] rotation, boolean inversion) {
        int dim = irreps.dim();
        if (dim == 0 ? rows.length != 0 : rows.length % dim != 0) {
            throw new IllegalArgumentException("rows has " + rows.length + " values, not a multiple of dim " + dim);
        }
        int n = dim == 0 ? 0 : rows.length / dim;
        double[] out = new double[rows.length];
        for (int k = 0; k < irreps.size(); k++) {
            MulIr b = irreps.get(k);
            int l = b.l();
            int dl = 2 * l + 1;
            double[] d = of(l, rotation);
            double sign = (inversion && b.irrep().parity() < 0) ? -1.0 : 1.0;
            for (int r = 0; r < n; r++) {
                for (int u = 0; u < b.mul(); u++) {
                    for (int m = 0; m < dl; m++) {
                        double s = 0;
                        for (int mp = 0; mp < dl; mp++) {
                            s += d[m * dl + mp] * rows[r * dim + irreps.index(layout, k, u, mp)];
                        }
                        out[r * dim + irreps.index(layout, k, u, m)] = sign * s;
                    }
                }
            }
        }
        return out;
    }
}
