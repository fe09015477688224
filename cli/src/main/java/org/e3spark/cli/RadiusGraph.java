package org.e3spark.cli;

import java.util.Random;
import org.e3spark.kernels.ConvGraph;

/**
 * A radius graph for benchmarks: {@code nodes} points uniform in a cube of side {@code box}
 * (not periodic), a directed edge i -> j for every ordered pair closer than {@code cutoff}, found
 * with a cell list of cells at least {@code cutoff} wide. Fixed seed, so every run gets the same graph.
 */
final class RadiusGraph {

    private RadiusGraph() {
    }

    static ConvGraph build(int nodes, double box, double cutoff, long seed) {
        Random rng = new Random(seed);
        double[] pos = new double[3 * nodes];
        for (int i = 0; i < pos.length; i++) {
            pos[i] = rng.nextDouble() * box;
        }
        int cells = Math.max(1, (int) Math.floor(box / cutoff));
        double width = box / cells;
        int[] head = new int[cells * cells * cells];
        int[] next = new int[nodes];
        java.util.Arrays.fill(head, -1);
        for (int i = 0; i < nodes; i++) {
            int c = cell(pos, i, width, cells);
            next[i] = head[c];
            head[c] = i;
        }
        IntList s = new IntList();
        IntList r = new IntList();
        double cut2 = cutoff * cutoff;
        for (int i = 0; i < nodes; i++) {
            int cx = coord(pos[3 * i], width, cells);
            int cy = coord(pos[3 * i + 1], width, cells);
            int cz = coord(pos[3 * i + 2], width, cells);
            for (int dx = -1; dx <= 1; dx++) {
                for (int dy = -1; dy <= 1; dy++) {
                    for (int dz = -1; dz <= 1; dz++) {
                        int x = cx + dx;
                        int y = cy + dy;
                        int z = cz + dz;
                        if (x < 0 || y < 0 || z < 0 || x >= cells || y >= cells || z >= cells) {
                            continue;
                        }
                        for (int j = head[(x * cells + y) * cells + z]; j >= 0; j = next[j]) {
                            if (j != i && dist2(pos, i, j) < cut2) {
                                s.add(j);
                                r.add(i);
                            }
                        }
                    }
                }
            }
        }
        return ConvGraph.of(s.toArray(), r.toArray(), nodes);
    }

    private static int cell(double[] pos, int i, double width, int cells) {
        return (coord(pos[3 * i], width, cells) * cells + coord(pos[3 * i + 1], width, cells)) * cells
                + coord(pos[3 * i + 2], width, cells);
    }

    private static int coord(double v, double width, int cells) {
        return Math.min(cells - 1, (int) (v / width));
    }

    private static double dist2(double[] pos, int i, int j) {
        double dx = pos[3 * i] - pos[3 * j];
        double dy = pos[3 * i + 1] - pos[3 * j + 1];
        double dz = pos[3 * i + 2] - pos[3 * j + 2];
        return dx * dx + dy * dy + dz * dz;
    }

    /** A growable int array. */
    private static final class IntList {
        private int[] a = new int[1024];
        private int n;

        void add(int v) {
            if (n == a.length) {
                a = java.util.Arrays.copyOf(a, 2 * n);
            }
            a[n++] = v;
        }

        int[] toArray() {
            return java.util.Arrays.copyOf(a, n);
        }
    }
}
