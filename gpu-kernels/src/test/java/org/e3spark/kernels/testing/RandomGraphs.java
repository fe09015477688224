package org.e3spark.kernels.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.e3spark.kernels.ConvGraph;

/** Graphs for convolution tests, shared by the CPU and GPU suites. */
public final class RandomGraphs {

    private RandomGraphs() {
    }

    /**
     * An awkward graph: asymmetric, with self loops (every 7th edge), repeated edges (every 11th
     * repeats the one before), an isolated last node, and a hub (node 0) receiving {@code hubEdges}
     * extra edges.
     */
    public static ConvGraph awkward(Random rng, int nodes, int edges, int hubEdges) {
        int[] s = new int[edges + hubEdges];
        int[] r = new int[edges + hubEdges];
        for (int e = 0; e < edges; e++) {
            s[e] = rng.nextInt(nodes - 1);
            r[e] = e % 7 == 0 ? s[e] : rng.nextInt(nodes - 1);
            if (e % 11 == 0 && e > 0) {
                s[e] = s[e - 1];
                r[e] = r[e - 1];
            }
        }
        for (int e = edges; e < edges + hubEdges; e++) {
            s[e] = rng.nextInt(nodes - 1);
            r[e] = 0;
        }
        if (Arrays.stream(r).anyMatch(v -> v == nodes - 1) || Arrays.stream(s).anyMatch(v -> v == nodes - 1)) {
            throw new IllegalStateException("the last node must stay isolated");
        }
        return ConvGraph.of(s, r, nodes);
    }

    /**
     * A random order of the graph's edges in which repeated (sender, receiver) pairs keep their
     * relative order: {@code perm[k]} is the original id of the k-th edge of the shuffled list.
     */
    public static int[] shuffleKeepingRepeatedPairsInOrder(ConvGraph graph, Random rng) {
        int m = graph.numEdges();
        List<Integer> list = new ArrayList<>();
        for (int e = 0; e < m; e++) {
            list.add(e);
        }
        Collections.shuffle(list, rng);
        Map<Long, List<Integer>> groups = new HashMap<>();
        for (int e = 0; e < m; e++) {
            groups.computeIfAbsent(pair(graph, e), k -> new ArrayList<>()).add(e);
        }
        Map<Long, Integer> used = new HashMap<>();
        int[] perm = new int[m];
        for (int k = 0; k < m; k++) {
            long key = pair(graph, list.get(k));
            perm[k] = groups.get(key).get(used.merge(key, 1, Integer::sum) - 1);
        }
        return perm;
    }

    /** The graph with its edges listed in the order {@code perm}. */
    public static ConvGraph permuted(ConvGraph graph, int[] perm) {
        int[] s = new int[perm.length];
        int[] r = new int[perm.length];
        for (int k = 0; k < perm.length; k++) {
            s[k] = graph.sender(perm[k]);
            r[k] = graph.receiver(perm[k]);
        }
        return ConvGraph.of(s, r, graph.numNodes());
    }

    /** Rows of per-edge data in the order {@code perm}. */
    public static double[] permuteRows(double[] rows, int dim, int[] perm) {
        double[] out = new double[rows.length];
        for (int k = 0; k < perm.length; k++) {
            System.arraycopy(rows, perm[k] * dim, out, k * dim, dim);
        }
        return out;
    }

    private static long pair(ConvGraph graph, int e) {
        return ((long) graph.sender(e) << 32) | graph.receiver(e);
    }
}
