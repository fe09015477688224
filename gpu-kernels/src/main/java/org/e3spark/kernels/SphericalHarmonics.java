package org.e3spark.kernels;

/**
 * Real spherical harmonics in e3nn's basis, {@code o3.spherical_harmonics(range(lmax+1), v,
 * normalize, normalization)}: for each 3-vector the concatenation of Y^0 .. Y^lmax, (lmax+1)^2
 * values, component index m + l inside each degree. Y^1(v) is sqrt(3)(x, y, z) for a unit v.
 *
 * <p>How: e3nn's harmonics are the standard real harmonics without the Condon-Shortley phase,
 * scaled by sqrt(4 pi) and evaluated at the permuted vector (z, x, y), because e3nn's polar axis is
 * y. They are computed as homogeneous polynomials (solid harmonics): associated Legendre factors by
 * the three-term recurrence in z' and r^2, azimuthal factors Re/Im (x' + i y')^m. So the same code
 * serves unit vectors and, with {@code normalize = false}, raw vectors (degree-l polynomials), and
 * it differentiates exactly by carrying partial derivatives through the recurrences.
 */
public final class SphericalHarmonics {

    /** Largest supported degree. */
    public static final int MAX_L = 12;

    private SphericalHarmonics() {
    }

    /** Number of values per vector: (lmax + 1)^2. */
    public static int dim(int lmax) {
        return (lmax + 1) * (lmax + 1);
    }

    /**
     * Y^0..Y^lmax of n vectors ({@code xyz} holds x, y, z of each): n x (lmax+1)^2 values.
     * With {@code normalize} the vectors are first scaled to unit length; a zero vector stays zero
     * (as torch's {@code normalize}), giving Y^0 = 1 and 0 for every higher degree.
     */
    public static double[] evaluate(int lmax, double[] xyz, boolean normalize, ShNormalization normalization) {
        int n = vectorCount(lmax, xyz);
        double[] out = new double[n * dim(lmax)];
        Evaluator ev = new Evaluator(lmax, normalization, false);
        for (int i = 0; i < n; i++) {
            ev.evaluate(xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2], normalize, out, i * dim(lmax), null, 0);
        }
        return out;
    }

    /**
     * The values and their Jacobian with respect to the input vector: {@code values} as
     * {@link #evaluate}, {@code jacobian} n x (lmax+1)^2 x 3 with d Y_k / d(x, y, z).
     */
    public static WithJacobian evaluateWithJacobian(int lmax, double[] xyz, boolean normalize,
                                                    ShNormalization normalization) {
        int n = vectorCount(lmax, xyz);
        int d = dim(lmax);
        double[] values = new double[n * d];
        double[] jac = new double[n * d * 3];
        Evaluator ev = new Evaluator(lmax, normalization, true);
        for (int i = 0; i < n; i++) {
            ev.evaluate(xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2], normalize, values, i * d, jac, i * d * 3);
        }
        return new WithJacobian(values, jac);
    }

    /**
     * The vector-Jacobian product that backpropagation (forces) needs: given dL/dY (n x (lmax+1)^2)
     * returns dL/dxyz (n x 3).
     */
    public static double[] backward(int lmax, double[] xyz, boolean normalize, ShNormalization normalization,
                                    double[] gradValues) {
        int n = vectorCount(lmax, xyz);
        int d = dim(lmax);
        if (gradValues.length != n * d) {
            throw new IllegalArgumentException("gradValues has " + gradValues.length + " values; expected "
                    + n + " vectors x " + d + " = " + n * d);
        }
        double[] values = new double[d];
        double[] jac = new double[d * 3];
        double[] grad = new double[n * 3];
        Evaluator ev = new Evaluator(lmax, normalization, true);
        for (int i = 0; i < n; i++) {
            ev.evaluate(xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2], normalize, values, 0, jac, 0);
            for (int k = 0; k < d; k++) {
                double g = gradValues[i * d + k];
                grad[3 * i] += g * jac[3 * k];
                grad[3 * i + 1] += g * jac[3 * k + 1];
                grad[3 * i + 2] += g * jac[3 * k + 2];
            }
        }
        return grad;
    }

    /** Harmonics and their Jacobian (n x dim x 3, d/dx, d/dy, d/dz innermost). */
    public record WithJacobian(double[] values, double[] jacobian) {
    }

    private static int vectorCount(int lmax, double[] xyz) {
        if (lmax < 0 || lmax > MAX_L) {
            throw new IllegalArgumentException("spherical harmonics lmax must be in 0.." + MAX_L + ", got " + lmax);
        }
        if (xyz.length % 3 != 0) {
            throw new IllegalArgumentException("xyz must hold whole 3-vectors; its length " + xyz.length
                    + " is not a multiple of 3");
        }
        return xyz.length / 3;
    }

    /**
     * Scratch and constants for one lmax; evaluates one vector at a time without allocating.
     * Quantities carry their value and, when asked, partial derivatives in the permuted frame
     * (X, Y, Z) = (z, x, y): index 0 the value, 1..3 d/dX, d/dY, d/dZ.
     */
    private static final class Evaluator {
        private final int lmax;
        private final boolean withJacobian;
        private final double[] scale; // per (l, m >= 0): normalization constant incl. sqrt(2) for m > 0
        private final double[][] cos; // [m][0..3] Re (X + iY)^m and partials
        private final double[][] sin; // [m][0..3] Im (X + iY)^m and partials
        private final double[][] legendre; // [l][0..3] P_l^m for the current m

        Evaluator(int lmax, ShNormalization normalization, boolean withJacobian) {
            this.lmax = lmax;
            this.withJacobian = withJacobian;
            this.scale = new double[dim(lmax)];
            for (int l = 0; l <= lmax; l++) {
                for (int m = 0; m <= l; m++) {
                    // sqrt(4 pi) * sqrt((2l+1)/(4 pi) * (l-m)!/(l+m)!) = sqrt((2l+1) (l-m)!/(l+m)!)
                    double ratio = 1.0;
                    for (int t = l - m + 1; t <= l + m; t++) {
                        ratio /= t;
                    }
                    double k = Math.sqrt((2 * l + 1) * ratio) * normalization.factor(l);
                    scale[l * l + m] = (m == 0) ? k : Math.sqrt(2.0) * k;
                }
            }
            cos = new double[lmax + 1][4];
            sin = new double[lmax + 1][4];
            legendre = new double[lmax + 1][4];
        }

        void evaluate(double x, double y, double z, boolean normalize, double[] out, int outOffset,
                      double[] jac, int jacOffset) {
            double r = Math.sqrt(x * x + y * y + z * z);
            double inv = 1.0;
            if (normalize) {
                inv = r > 0 ? 1.0 / r : 0.0;
            }
            // e3nn's polar axis is y: evaluate the textbook harmonics at (X, Y, Z) = (z, x, y).
            double bx = z * inv;
            double by = x * inv;
            double bz = y * inv;
            double r2 = bx * bx + by * by + bz * bz;

            cos[0][0] = 1; cos[0][1] = 0; cos[0][2] = 0; cos[0][3] = 0;
            sin[0][0] = 0; sin[0][1] = 0; sin[0][2] = 0; sin[0][3] = 0;
            for (int m = 1; m <= lmax; m++) {
                double[] c = cos[m - 1];
                double[] s = sin[m - 1];
                cos[m][0] = bx * c[0] - by * s[0];
                sin[m][0] = bx * s[0] + by * c[0];
                // d/dX, d/dY, d/dZ by the product rule
                cos[m][1] = c[0] + bx * c[1] - by * s[1];
                cos[m][2] = -s[0] + bx * c[2] - by * s[2];
                cos[m][3] = bx * c[3] - by * s[3];
                sin[m][1] = s[0] + bx * s[1] + by * c[1];
                sin[m][2] = c[0] + bx * s[2] + by * c[2];
                sin[m][3] = bx * s[3] + by * c[3];
            }

            double doubleFactorial = 1.0; // (2m - 1)!!
            for (int m = 0; m <= lmax; m++) {
                if (m > 0) {
                    doubleFactorial *= (2 * m - 1);
                }
                // P_m^m, P_{m+1}^m, then the three-term recurrence, as homogeneous polynomials.
                set(legendre[m], doubleFactorial, 0, 0, 0);
                if (m + 1 <= lmax) {
                    double[] p = legendre[m];
                    set(legendre[m + 1], (2 * m + 1) * bz * p[0], (2 * m + 1) * bz * p[1],
                            (2 * m + 1) * bz * p[2], (2 * m + 1) * (p[0] + bz * p[3]));
                }
                for (int l = m + 2; l <= lmax; l++) {
                    double[] p1 = legendre[l - 1];
                    double[] p2 = legendre[l - 2];
                    double a = (2 * l - 1) / (double) (l - m);
                    double b = (l + m - 1) / (double) (l - m);
                    legendre[l][0] = a * bz * p1[0] - b * r2 * p2[0];
                    legendre[l][1] = a * bz * p1[1] - b * (r2 * p2[1] + 2 * bx * p2[0]);
                    legendre[l][2] = a * bz * p1[2] - b * (r2 * p2[2] + 2 * by * p2[0]);
                    legendre[l][3] = a * (p1[0] + bz * p1[3]) - b * (r2 * p2[3] + 2 * bz * p2[0]);
                }
                for (int l = m; l <= lmax; l++) {
                    double k = scale[l * l + m];
                    double[] p = legendre[l];
                    int plus = l * l + l + m;
                    out[outOffset + plus] = k * p[0] * cos[m][0];
                    if (withJacobian) {
                        writeJacobian(jac, jacOffset + 3 * plus, k, p, cos[m], inv, normalize, bx, by, bz);
                    }
                    if (m > 0) {
                        int minus = l * l + l - m;
                        out[outOffset + minus] = k * p[0] * sin[m][0];
                        if (withJacobian) {
                            writeJacobian(jac, jacOffset + 3 * minus, k, p, sin[m], inv, normalize, bx, by, bz);
                        }
                    }
                }
            }
        }

        /**
         * Jacobian of k * p * q with respect to the caller's (x, y, z): product rule in the permuted
         * frame, then the frame map back, then the normalization's projection when normalizing.
         */
        private static void writeJacobian(double[] jac, int at, double k, double[] p, double[] q, double inv,
                                          boolean normalize, double bx, double by, double bz) {
            double dX = k * (p[1] * q[0] + p[0] * q[1]);
            double dY = k * (p[2] * q[0] + p[0] * q[2]);
            double dZ = k * (p[3] * q[0] + p[0] * q[3]);
            // (X, Y, Z) = (z, x, y) so d/dx = d/dY, d/dy = d/dZ, d/dz = d/dX.
            double gx = dY;
            double gy = dZ;
            double gz = dX;
            if (normalize) {
                // n = v / |v|: dY/dv = (g - (g . n) n) / |v|, with n = (by, bz, bx) in the caller's frame.
                double nx = by;
                double ny = bz;
                double nz = bx;
                double dot = gx * nx + gy * ny + gz * nz;
                gx = (gx - dot * nx) * inv;
                gy = (gy - dot * ny) * inv;
                gz = (gz - dot * nz) * inv;
            }
            jac[at] = gx;
            jac[at + 1] = gy;
            jac[at + 2] = gz;
        }

        private static void set(double[] q, double v, double dx, double dy, double dz) {
            q[0] = v;
            q[1] = dx;
            q[2] = dy;
            q[3] = dz;
        }
    }
}
