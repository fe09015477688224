package org.e3spark.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.e3spark.arrow.ArrowGraphBatch;
import org.e3spark.data.Structure;
import org.e3spark.data.SyntheticDataset;
import org.e3spark.graph.BatchBudget;
import org.e3spark.graph.EdgeFeatures;
import org.e3spark.graph.EdgeList;
import org.e3spark.graph.GraphBatch;
import org.e3spark.graph.GraphBatcher;
import org.e3spark.graph.RadiusGraph;

/**
 * {@code graph-bench}: throughput of the data path on the seeded synthetic dataset
 * ({@link SyntheticDataset}), single thread: radius graphs, edge features, batching (graphs +
 * packing + features) and the copy into Arrow memory. Median of warm repeats. Asserts nothing.
 */
final class GraphBenchCommand implements Main.Command {

    @Override
    public String summary() {
        return "graph construction and batching throughput: --structures N --seed S --cutoff R --lmax L "
                + "--radial N --budget-nodes N --repeat R";
    }

    @Override
    public int run(Options options) {
        int count = options.getInt("structures", 2000);
        long seed = options.getInt("seed", 1);
        double cutoff = options.getDouble("cutoff", 5.0);
        int lmax = options.getInt("lmax", 3);
        int radial = options.getInt("radial", 8);
        int budgetNodes = options.getInt("budget-nodes", 4096);
        int repeat = options.getInt("repeat", 5);
        options.rejectUnknown();

        List<Structure> data = new ArrayList<>(count);
        new SyntheticDataset(seed, count).forEachRemaining(data::add);
        long atoms = data.stream().mapToLong(Structure::atomCount).sum();
        long periodic = data.stream().filter(Structure::periodic).count();
        RadiusGraph graph = new RadiusGraph(cutoff);
        EdgeFeatures features = EdgeFeatures.mace(lmax, cutoff).withRadialCount(radial);
        List<EdgeList> graphs = data.stream().map(graph::build).toList();
        long edges = graphs.stream().mapToLong(EdgeList::edgeCount).sum();

        System.out.printf("# e3spark graph-bench: %d cores, %s %s, java %s; one thread%n",
                Runtime.getRuntime().availableProcessors(), System.getProperty("os.name"), System.getProperty("os.arch"),
                System.getProperty("java.version"));
        System.out.printf("# synthetic dataset seed %d: %d structures (%d periodic), %d atoms, %d edges at cutoff %.2f Å "
                + "(%.1f edges/atom); lmax %d, %d Bessel functions; budget %d nodes; median of %d warm runs%n",
                seed, count, periodic, atoms, edges, cutoff, (double) edges / atoms, lmax, radial, budgetNodes, repeat);
        System.out.printf("%-28s %11s %14s %14s%n", "stage", "median ms", "atoms/s", "edges/s");

        row("radius graph", atoms, edges, repeat, () -> {
            long sum = 0;
            for (Structure s : data) {
                sum += graph.build(s).edgeCount();
            }
            return sum;
        });
        row("edge features (sh+radial)", atoms, edges, repeat, () -> {
            long sum = 0;
            for (EdgeList g : graphs) {
                sum += features.compute(g).edgeCount();
            }
            return sum;
        });
        row("pack batches (no graphs)", atoms, edges, repeat, () -> {
            long sum = 0;
            int from = 0;
            while (from < data.size()) {
                int to = from;
                int nodes = 0;
                while (to < data.size() && (to == from || nodes + data.get(to).atomCount() <= budgetNodes)) {
                    nodes += data.get(to++).atomCount();
                }
                sum += GraphBatch.pack(data.subList(from, to), graphs.subList(from, to), null).edgeCount();
                from = to;
            }
            return sum;
        });
        GraphBatcher[] last = new GraphBatcher[1];
        row("batcher: graphs+pack+features", atoms, edges, repeat, () -> {
            GraphBatcher batcher = new GraphBatcher(graph, BatchBudget.nodes(budgetNodes), features);
            last[0] = batcher;
            long sum = 0;
            Iterator<GraphBatch> it = batcher.batches(data.iterator());
            while (it.hasNext()) {
                sum += it.next().edgeCount();
            }
            return sum;
        });
        List<GraphBatch> batches = new ArrayList<>();
        new GraphBatcher(graph, BatchBudget.nodes(budgetNodes), features).batches(data.iterator())
                .forEachRemaining(batches::add);
        long bytes = batches.stream().mapToLong(GraphBatch::bytes).sum();
        try (BufferAllocator allocator = new RootAllocator()) {
            row("copy into Arrow, fresh vectors", atoms, edges, repeat, () -> {
                long sum = 0;
                for (GraphBatch b : batches) {
                    try (ArrowGraphBatch a = ArrowGraphBatch.allocate(allocator, b)) {
                        sum += a.edgeCount();
                    }
                }
                return sum;
            });
            double[] ms = new double[1];
            try (ArrowGraphBatch reused = ArrowGraphBatch.allocate(allocator, batches.getFirst())) {
                ms[0] = row("copy into Arrow, reused", atoms, edges, repeat, () -> {
                    long sum = 0;
                    for (GraphBatch b : batches) {
                        reused.load(b);
                        sum += reused.edgeCount();
                    }
                    return sum;
                });
            }
            System.out.printf("# %d batches, %d oversized; %d MB of column data in all, %.2f GB/s into reused vectors%n",
                    batches.size(), last[0].oversized(), bytes >> 20, bytes / (ms[0] / 1e3) / 1e9);
        }
        return 0;
    }

    private interface Work {
        long run();
    }

    private static double row(String stage, long atoms, long edges, int repeat, Work work) {
        long check = work.run(); // warm-up
        double[] ms = new double[repeat];
        for (int r = 0; r < repeat; r++) {
            long t0 = System.nanoTime();
            long got = work.run();
            ms[r] = (System.nanoTime() - t0) / 1e6;
            if (got != check) {
                throw new IllegalStateException(stage + " gave " + got + " then " + check);
            }
        }
        Arrays.sort(ms);
        double median = ms[repeat / 2];
        System.out.printf("%-28s %11.1f %14.0f %14.0f%n", stage, median, atoms / (median / 1e3), edges / (median / 1e3));
        return median;
    }
}
