package org.e3spark.graph;

/** 3x3 helpers for row-major cells (rows are lattice vectors). */
final class Lattice {

    private Lattice() {
    }

    /** The inverse matrix: fractional coordinates are f = x · inverse (x a row vector). */
    static double[] inverse(double[] m) {
        double c00 = m[4] * m[8] - m[5] * m[7];
        double c01 = m[5] * m[6] - m[3] * m[8];
        double c02 = m[3] * m[7] - m[4] * m[6];
        double det = m[0] * c00 + m[1] * c01 + m[2] * c02;
        if (det == 0 || !Double.isFinite(det)) {
            throw new IllegalArgumentException("cell matrix is singular");
        }
        double d = 1.0 / det;
        return new double[] {
            c00 * d, (m[2] * m[7] - m[1] * m[8]) * d, (m[1] * m[5] - m[2] * m[4]) * d,
            c01 * d, (m[0] * m[8] - m[2] * m[6]) * d, (m[2] * m[3] - m[0] * m[5]) * d,
            c02 * d, (m[1] * m[6] - m[0] * m[7]) * d, (m[0] * m[4] - m[1] * m[3]) * d};
    }
}
