package org.e3spark.graph;

/**
 * A Cartesian cell list over a point cloud: bins at least {@code radius} wide (wider when the
 * cloud is sparse, so there are never many more bins than points), points sorted by bin with a
 * counting sort. A query at p returns the points of the 27 bins around p within the radius.
 */
final class CellList {

    private final double[] xyz;
    private final double[] lo = new double[3];
    private final double[] width = new double[3];
    private final int[] dims = new int[3];
    private final int[] start;
    private final int[] order;

    CellList(double[] xyz, int size, double radius) {
        this.xyz = xyz;
        double[] hi = new double[3];
        for (int k = 0; k < 3; k++) {
            lo[k] = Double.POSITIVE_INFINITY;
            hi[k] = Double.NEGATIVE_INFINITY;
        }
        for (int p = 0; p < size; p++) {
            for (int k = 0; k < 3; k++) {
                lo[k] = Math.min(lo[k], xyz[3 * p + k]);
                hi[k] = Math.max(hi[k], xyz[3 * p + k]);
            }
        }
        long limit = Math.max(1, 2L * size);
        double bin = radius;
        while (true) {
            long total = 1;
            for (int k = 0; k < 3; k++) {
                double extent = size == 0 ? 0 : hi[k] - lo[k];
                dims[k] = (int) Math.max(1, Math.min(1 << 20, Math.floor(extent / bin)));
                width[k] = dims[k] == 1 ? Math.max(extent, bin) : extent / dims[k];
                total *= dims[k];
            }
            if (total <= limit) {
                break;
            }
            bin *= 1.5;
        }
        int bins = dims[0] * dims[1] * dims[2];
        start = new int[bins + 1];
        order = new int[size];
        int[] binOf = new int[size];
        for (int p = 0; p < size; p++) {
            binOf[p] = binIndex(xyz[3 * p], xyz[3 * p + 1], xyz[3 * p + 2]);
            start[binOf[p] + 1]++;
        }
        for (int b = 0; b < bins; b++) {
            start[b + 1] += start[b];
        }
        int[] fill = new int[bins];
        for (int p = 0; p < size; p++) {
            order[start[binOf[p]] + fill[binOf[p]]++] = p;
        }
    }

    private int coord(double v, int k) {
        int c = (int) Math.floor((v - lo[k]) / width[k]);
        return Math.max(0, Math.min(dims[k] - 1, c));
    }

    private int binIndex(double x, double y, double z) {
        return (coord(x, 0) * dims[1] + coord(y, 1)) * dims[2] + coord(z, 2);
    }

    /**
     * Writes the indices of the points with squared distance below {@code r2} from (x, y, z) into
     * {@code out} as far as it holds them; returns how many there are (call again with a larger
     * array when that exceeds {@code out.length}).
     */
    int query(double x, double y, double z, double r2, int[] out) {
        int cx = coord(x, 0);
        int cy = coord(y, 1);
        int cz = coord(z, 2);
        int n = 0;
        for (int a = Math.max(0, cx - 1); a <= Math.min(dims[0] - 1, cx + 1); a++) {
            for (int b = Math.max(0, cy - 1); b <= Math.min(dims[1] - 1, cy + 1); b++) {
                int base = (a * dims[1] + b) * dims[2];
                int from = start[base + Math.max(0, cz - 1)];
                int to = start[base + Math.min(dims[2] - 1, cz + 1) + 1];
                for (int q = from; q < to; q++) {
                    int p = order[q];
                    double dx = xyz[3 * p] - x;
                    double dy = xyz[3 * p + 1] - y;
                    double dz = xyz[3 * p + 2] - z;
                    if (dx * dx + dy * dy + dz * dz < r2) {
                        if (n < out.length) {
                            out[n] = p;
                        }
                        n++;
                    }
                }
            }
        }
        return n;
    }
}
