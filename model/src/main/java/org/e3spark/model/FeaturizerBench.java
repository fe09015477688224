package org.e3spark.model;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.e3spark.data.Structure;
import org.e3spark.data.SyntheticDataset;
import org.e3spark.graph.BatchBudget;
import org.e3spark.graph.EdgeList;
import org.e3spark.graph.GraphBatch;
import org.e3spark.kernels.DType;

/**
 * Featurizer throughput without Spark, on a seeded synthetic dataset: graphs built per structure,
 * packed into batches by a budget, featurized by one warm Featurizer. Used by
 * {@code bin/e3spark featurize-bench} and, with {@link #main}, on a GPU machine that has no Spark:
 * {@code java ... org.e3spark.model.FeaturizerBench [structures] [cpu|cuda|auto] [float32|float64]}.
 * Asserts nothing.
 */
public final class FeaturizerBench {

    private FeaturizerBench() {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        String backend = args.length > 1 ? args[1] : "auto";
        DType dtype = DType.valueOf((args.length > 2 ? args[2] : "float32").toUpperCase());
        List<Structure> data = synthetic(7, n, 20, 200);
        FeaturizerModel model = FeaturizerModel.seeded(FeaturizerConfig.bundled("featurizer-small"));
        ComputeTarget target = switch (backend) {
            case "cpu" -> ComputeTarget.cpu();
            case "cuda" -> ComputeTarget.cuda(-1);
            default -> ComputeTarget.auto(-1);
        };
        run(model, target, dtype, data, new BatchBudget(4096, 262_144, 0), System.out);
    }

    public static List<Structure> synthetic(long seed, int n, int min, int max) {
        List<Structure> out = new ArrayList<>(n);
        SyntheticDataset d = new SyntheticDataset(seed, Long.MAX_VALUE);
        long id = 0;
        while (out.size() < n) {
            Structure s = d.next();
            if (s.atomCount() >= min && s.atomCount() <= max) {
                out.add(s.withId(id++));
            }
        }
        return out;
    }

    /** One Featurizer on the given target, warm, over all structures packed by the budget; prints one line. */
    public static void run(FeaturizerModel model, ComputeTarget target, DType dtype, List<Structure> data,
                           BatchBudget budget, PrintStream out) {
        try (Featurizer f = Featurizer.create(model, target, dtype)) {
            // warm up on the first 200 structures, then time everything
            runAll(f, model, data.subList(0, Math.min(200, data.size())), budget);
            long k0 = f.stats().kernelNanos();
            long t0 = System.nanoTime();
            long[] counts = runAll(f, model, data, budget);
            double secs = (System.nanoTime() - t0) / 1e9;
            double kernel = (f.stats().kernelNanos() - k0) / 1e9;
            out.printf("library (one Featurizer, no Spark), %s %s: %d structures in %.1f s = %.1f structures/s, %.0f atoms/s; %d edges; "
                            + "graphs %.1f s, kernels %.1f s = %.0f%% of the time%n", f.backend(), dtype, data.size(), secs,
                    data.size() / secs, counts[0] / secs, counts[1], counts[2] / 1e9, kernel, 100 * kernel / secs);
        }
    }

    private static long[] runAll(Featurizer f, FeaturizerModel model, List<Structure> data, BatchBudget budget) {
        long atoms = 0;
        long edges = 0;
        long graphNanos = 0;
        List<Structure> ss = new ArrayList<>();
        List<EdgeList> gs = new ArrayList<>();
        long nn = 0;
        long ne = 0;
        for (int k = 0; k <= data.size(); k++) {
            Structure s = k < data.size() ? data.get(k) : null;
            EdgeList g = null;
            if (s != null) {
                long t = System.nanoTime();
                g = model.config().radiusGraph().build(s);
                graphNanos += System.nanoTime() - t;
            }
            if (s == null || (!ss.isEmpty() && !budget.fits(nn + s.atomCount(), ne + g.edgeCount(), 0))) {
                if (!ss.isEmpty()) {
                    BatchInput in = BatchInput.of(GraphBatch.pack(ss, gs, null));
                    f.featurize(in, false);
                    atoms += in.nodeCount();
                    edges += in.edgeCount();
                }
                ss.clear();
                gs.clear();
                nn = 0;
                ne = 0;
            }
            if (s != null) {
                ss.add(s);
                gs.add(g);
                nn += s.atomCount();
                ne += g.edgeCount();
            }
        }
        return new long[] {atoms, edges, graphNanos};
    }
}
