package org.e3spark.graph;

import java.util.ArrayList;
import java.util.List;
import org.e3spark.data.Cell;
import org.e3spark.data.Structure;

/** The oracle: every pair over every image in a generous range, D = x_j - x_i + S·cell. */
final class BruteForce {

    record Edge(int receiver, int sender, int sa, int sb, int sc, double dx, double dy, double dz) {
    }

    private BruteForce() {
    }

    static List<Edge> edges(Structure s, double cutoff) {
        double[] x = s.positions();
        int n = s.atomCount();
        double[] cr = new double[9];
        int[] range = new int[3];
        if (s.periodic()) {
            Cell cell = s.cell().orElseThrow();
            cr = cell.rows();
            double[] inv = Lattice.inverse(cell.basis());
            // Atoms may sit far outside the cell: widen by their fractional extent.
            for (int k = 0; k < 3; k++) {
                if (cell.periodic(k)) {
                    double h = 1.0 / Math.sqrt(inv[k] * inv[k] + inv[3 + k] * inv[3 + k] + inv[6 + k] * inv[6 + k]);
                    double fmin = Double.POSITIVE_INFINITY;
                    double fmax = Double.NEGATIVE_INFINITY;
                    for (int i = 0; i < n; i++) {
                        double f = x[3 * i] * inv[k] + x[3 * i + 1] * inv[3 + k] + x[3 * i + 2] * inv[6 + k];
                        fmin = Math.min(fmin, f);
                        fmax = Math.max(fmax, f);
                    }
                    range[k] = (int) Math.ceil(cutoff / h + (fmax - fmin)) + 1;
                }
            }
        }
        List<Edge> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int sa = -range[0]; sa <= range[0]; sa++) {
                    for (int sb = -range[1]; sb <= range[1]; sb++) {
                        for (int sc = -range[2]; sc <= range[2]; sc++) {
                            if (i == j && sa == 0 && sb == 0 && sc == 0) {
                                continue;
                            }
                            double dx = (x[3 * j] - x[3 * i]) + (sa * cr[0] + sb * cr[3] + sc * cr[6]);
                            double dy = (x[3 * j + 1] - x[3 * i + 1]) + (sa * cr[1] + sb * cr[4] + sc * cr[7]);
                            double dz = (x[3 * j + 2] - x[3 * i + 2]) + (sa * cr[2] + sb * cr[5] + sc * cr[8]);
                            if (Math.sqrt(dx * dx + dy * dy + dz * dz) < cutoff) {
                                out.add(new Edge(i, j, sa, sb, sc, dx, dy, dz));
                            }
                        }
                    }
                }
            }
        }
        return out; // loops run in (receiver, sender, shift) order already
    }
}
