package org.e3spark.cli;

import org.e3spark.model.ComputeTarget;
import org.e3spark.model.Featurizer;
import org.e3spark.model.FeaturizerConfig;
import org.e3spark.model.FeaturizerModel;
import org.e3spark.model.BatchInput;
import org.e3spark.model.StructureBatch;
import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.e3spark.data.Structure;
import org.e3spark.data.SyntheticDataset;
import org.e3spark.graph.BatchBudget;
import org.e3spark.graph.EdgeList;
import org.e3spark.graph.GraphBatch;
import org.e3spark.graph.RadiusGraph;
import org.e3spark.kernels.DType;

/**
 * Featurizer throughput without Spark, on a seeded synthetic dataset: graphs built per structure,
 * packed into batches by a budget, featurized by one warm Featurizer. Graphs are built either on the
 * calling thread before each batch, or by {@code graphThreads} workers ahead of the featurizer, in
 * chunks, so host graph construction overlaps the device (as Spark's concurrent tasks do). Used by
 * {@code bin/e3spark featurize-bench} and, with {@link #main}, on a GPU machine that has no Spark:
 * {@code java ... org.e3spark.model.FeaturizerBench [structures] [cpu|cuda|auto] [float32|float64]
 * [threads] [config name or file] [atoms per batch]}.
 *
 * <p>Where the featurizer searches radius graphs on the GPU ({@link Featurizer#searchesOnDevice()}),
 * the host only packs positions: batches are cut by atom count, packed by {@code threads} workers
 * ahead ({@link Featurizer#prepare(List)}) and fed to a {@link Featurizer.Pipeline}. The report's
 * kernel share is the time the GPU ran at least one kernel (the union of the kernels' event intervals
 * on both of the pipeline's streams) over the wall time of the whole run. {@code -De3spark.featurizer.deviceGraph=false} measures the host-graph path instead. Asserts
 * nothing.
 */
public final class FeaturizerBench {

    /** Structures per graph-building task when graphs are built ahead. */
    private static final int CHUNK = 32;

    private FeaturizerBench() {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        String backend = args.length > 1 ? args[1] : "auto";
        DType dtype = DType.valueOf((args.length > 2 ? args[2] : "float32").toUpperCase());
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 1;
        String config = args.length > 4 ? args[4] : "featurizer-small";
        int batchAtoms = args.length > 5 ? Integer.parseInt(args[5]) : 4096;
        List<Structure> data = synthetic(7, n, 20, 200);
        FeaturizerConfig c = config.endsWith(".json") ? FeaturizerConfig.read(java.nio.file.Path.of(config))
                : FeaturizerConfig.bundled(config);
        FeaturizerModel model = FeaturizerModel.seeded(c);
        ComputeTarget target = switch (backend) {
            case "cpu" -> ComputeTarget.cpu();
            case "cuda" -> ComputeTarget.cuda(-1);
            default -> ComputeTarget.auto(-1);
        };
        run(model, target, dtype, data, new BatchBudget(batchAtoms, 262_144, 0), threads, System.out);
    }

    public static List<Structure> synthetic(long seed, int n, int min, int max) {
        return SyntheticDataset.take(seed, n, min, max);
    }

    /** Graphs built on the calling thread. */
    public static void run(FeaturizerModel model, ComputeTarget target, DType dtype, List<Structure> data,
                           BatchBudget budget, PrintStream out) {
        run(model, target, dtype, data, budget, 1, out);
    }

    /**
     * One Featurizer on the given target, warm, over all structures packed by the budget; prints the
     * throughput and where the time went. With {@code graphThreads > 1} graphs are built ahead by that
     * many workers and "graphs+packing" is only the time the featurizer waited for them.
     */
    public static void run(FeaturizerModel model, ComputeTarget target, DType dtype, List<Structure> data,
                           BatchBudget budget, int graphThreads, PrintStream out) {
        if (graphThreads < 1) {
            throw new IllegalArgumentException("graph threads must be >= 1, got " + graphThreads);
        }
        ExecutorService pool = graphThreads > 1 ? daemonPool(graphThreads, "featurizer-bench-graphs") : null;
        // with workers, batch k+1 is prepared (graph orders, work lists) while batch k runs
        ExecutorService preparer = graphThreads > 1 ? daemonPool(2, "featurizer-bench-prepare") : null;
        try (Featurizer f = Featurizer.create(model, target, dtype)) {
            if (f.searchesOnDevice()) {
                runPipelined(f, model, dtype, data, budget.maxNodes(), graphThreads, out);
                return;
            }
            // warm up on the first 200 structures, then time everything
            runAll(f, model, data.subList(0, Math.min(200, data.size())), budget, pool, preparer, graphThreads);
            long k0 = f.stats().kernelNanos();
            var d0 = f.deviceTimings();
            long w0 = System.currentTimeMillis();
            long t0 = System.nanoTime();
            long[] counts = runAll(f, model, data, budget, pool, preparer, graphThreads);
            double secs = (System.nanoTime() - t0) / 1e9;
            long w1 = System.currentTimeMillis();
            double kernel = (f.stats().kernelNanos() - k0) / 1e9;
            double featurize = counts[3] / 1e9;
            out.printf("library (one Featurizer, no Spark), %s %s, %s, graphs on %d thread(s)%s: %d structures in %.2f s = "
                            + "%.1f structures/s, %.0f atoms/s; %d edges; graphs+packing %.2f s%s, featurize calls %.2f s, "
                            + "kernels %.3f s = %.1f%% of the time (%.1f%% of featurize calls)%n",
                    f.backend(), dtype, model.config().name(), graphThreads, graphThreads > 1 ? " ahead" : "",
                    data.size(), secs, data.size() / secs, counts[0] / secs, counts[1], counts[2] / 1e9,
                    graphThreads > 1 ? " (waited)" : "", featurize, kernel, 100 * kernel / secs, 100 * kernel / featurize);
            printWindow(out, w0, w1);
            if (d0.isPresent()) {
                var a = d0.get();
                var b = f.deviceTimings().orElseThrow();
                long batches = b.batches() - a.batches();
                double kernels = (b.kernelNanos() - a.kernelNanos()) / 1e9;
                double up = (b.uploadNanos() - a.uploadNanos()) / 1e9;
                double down = (b.downloadNanos() - a.downloadNanos()) / 1e9;
                out.printf("  on-device forward, %d batches: host prepare %.3f s, upload (incl. work lists) %.3f s, "
                                + "kernels (GPU events) %.3f s = %.2f ms/batch, download %.3f s; kernels = %.0f%% of the "
                                + "device stage (upload + kernels + download)%n", batches,
                        (b.prepareNanos() - a.prepareNanos()) / 1e9, up, kernels, 1e3 * kernels / batches, down,
                        100 * kernels / (kernels + up + down));
            }
        } finally {
            if (pool != null) {
                pool.shutdownNow();
                preparer.shutdownNow();
            }
        }
    }

    /**
     * The timed span in wall-clock epoch seconds, for scripts that sample the GPU's own utilization
     * meter meanwhile (nvidia-smi) and average it over exactly this span: a check on our event clocks.
     */
    public static void printWindow(PrintStream out, long startMillis, long endMillis) {
        out.printf("  timed window (epoch s): %.3f %.3f%n", startMillis / 1e3, endMillis / 1e3);
    }

    /** Device search: warm up, then time every structure through one pipeline. */
    private static void runPipelined(Featurizer f, FeaturizerModel model, DType dtype, List<Structure> data,
                                     int batchAtoms, int threads, PrintStream out) {
        ExecutorService pool = daemonPool(threads, "featurizer-bench-pack");
        try {
            feed(f, data.subList(0, Math.min(200, data.size())), batchAtoms, pool, threads);
            var a = f.deviceTimings().orElseThrow();
            long w0 = System.currentTimeMillis();
            long t0 = System.nanoTime();
            long[] r = feed(f, data, batchAtoms, pool, threads);
            double secs = (System.nanoTime() - t0) / 1e9;
            long w1 = System.currentTimeMillis();
            var b = f.deviceTimings().orElseThrow();
            long batches = b.batches() - a.batches();
            double kernels = (b.kernelNanos() - a.kernelNanos()) / 1e9;
            double up = (b.uploadNanos() - a.uploadNanos()) / 1e9;
            double down = (b.downloadNanos() - a.downloadNanos()) / 1e9;
            double waited = (b.hostWaitNanos() - a.hostWaitNanos()) / 1e9;
            double enqueue = (b.hostEnqueueNanos() - a.hostEnqueueNanos()) / 1e9;
            double collect = (b.hostCollectNanos() - a.hostCollectNanos()) / 1e9;
            double pack = (b.prepareNanos() - a.prepareNanos()) / 1e9;
            double search = (b.searchNanos() - a.searchNanos()) / 1e9;
            double busy = (b.kernelBusyNanos() - a.kernelBusyNanos()) / 1e9;
            out.printf("library pipeline (one Featurizer, radius graphs searched on the GPU), %s %s, %s, packing on %d "
                            + "thread(s) ahead, batches of <= %d atoms: %d structures in %.2f s = %.1f structures/s, %.0f "
                            + "atoms/s; %d edges; GPU in kernels %.3f s = %.1f%% of the wall time (kernel durations sum "
                            + "to %.3f s, the graph search's %.3f s running beside the feature kernels)%n",
                    f.backend(), dtype, model.config().name(), threads, batchAtoms, data.size(), secs,
                    data.size() / secs, r[0] / secs, b.edges() - a.edges(), busy, 100 * busy / secs, kernels, search);
            out.printf("  %d batches: %.2f ms of kernels per batch (graph search included); copies in %.3f s, out %.3f s "
                            + "(GPU time)%n", batches, 1e3 * kernels / batches, up, down);
            out.printf("  submitting thread: staging+queuing %.3f s, waiting for the GPU %.3f s, for packed batches %.3f s, "
                            + "rest (results to the sink) %.3f s; results to arrays %.3f s (converter thread); packing "
                            + "%.3f s (summed over workers)%n",
                    enqueue, waited, r[1] / 1e9, secs - enqueue - waited - r[1] / 1e9, collect, pack);
            printWindow(out, w0, w1);
        } finally {
            pool.shutdownNow();
        }
    }

    /** {atoms, nanos the submitting thread waited for packed batches}. */
    private static long[] feed(Featurizer f, List<Structure> data, int batchAtoms, ExecutorService pool, int threads) {
        List<List<Structure>> batches = new ArrayList<>();
        List<Structure> open = new ArrayList<>();
        int atoms = 0;
        for (Structure s : data) {
            if (!open.isEmpty() && atoms + s.atomCount() > batchAtoms) {
                batches.add(open);
                open = new ArrayList<>();
                atoms = 0;
            }
            open.add(s);
            atoms += s.atomCount();
        }
        if (!open.isEmpty()) {
            batches.add(open);
        }
        long[] totals = new long[2];
        Deque<Future<StructureBatch>> ahead = new ArrayDeque<>();
        int submitted = 0;
        try (Featurizer.Pipeline p = f.pipeline(r -> totals[0] += r.nodeCount())) {
            for (int k = 0; k < batches.size(); k++) {
                while (submitted < batches.size() && ahead.size() < 2 * threads) {
                    List<Structure> next = batches.get(submitted++);
                    ahead.add(pool.submit(() -> f.prepare(next)));
                }
                long t = System.nanoTime();
                StructureBatch b = await(ahead.poll());
                totals[1] += System.nanoTime() - t;
                p.submit(b);
            }
        }
        return totals;
    }

    private static ExecutorService daemonPool(int threads, String name) {
        return Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
    }

    /** The batches packed so far whose preparation runs ahead (at most two). */
    private static final class Pipeline {
        final ExecutorService preparer;
        final Deque<Future<Featurizer.PreparedBatch>> prepared = new ArrayDeque<>();

        Pipeline(ExecutorService preparer) {
            this.preparer = preparer;
        }
    }

    /** {atoms, edges, graph+packing nanos on this thread, featurize nanos}. */
    private static long[] runAll(Featurizer f, FeaturizerModel model, List<Structure> data, BatchBudget budget,
                                 ExecutorService pool, ExecutorService preparer, int threads) {
        Pipeline pipe = preparer == null ? null : new Pipeline(preparer);
        RadiusGraph rg = model.config().radiusGraph();
        long[] totals = new long[4];
        List<Structure> ss = new ArrayList<>();
        List<EdgeList> gs = new ArrayList<>();
        long[] pending = new long[2]; // atoms, edges of the open batch
        Deque<Future<List<EdgeList>>> ahead = new ArrayDeque<>();
        int submitted = 0;
        for (int c = 0; c * CHUNK < data.size(); c++) {
            List<Structure> chunk = data.subList(c * CHUNK, Math.min(data.size(), (c + 1) * CHUNK));
            List<EdgeList> graphs;
            long t = System.nanoTime();
            if (pool == null) {
                graphs = build(rg, chunk);
            } else {
                // keep a few chunks per worker in flight ahead of the featurizer
                while (submitted * CHUNK < data.size() && ahead.size() < 4 * threads) {
                    List<Structure> next = data.subList(submitted * CHUNK, Math.min(data.size(), (submitted + 1) * CHUNK));
                    ahead.add(pool.submit(() -> build(rg, next)));
                    submitted++;
                }
                graphs = await(ahead.poll());
            }
            totals[2] += System.nanoTime() - t;
            for (int k = 0; k < chunk.size(); k++) {
                Structure s = chunk.get(k);
                EdgeList g = graphs.get(k);
                if (!ss.isEmpty() && !budget.fits(pending[0] + s.atomCount(), pending[1] + g.edgeCount(), 0)) {
                    featurize(f, ss, gs, totals, pipe);
                    pending[0] = 0;
                    pending[1] = 0;
                }
                ss.add(s);
                gs.add(g);
                pending[0] += s.atomCount();
                pending[1] += g.edgeCount();
            }
        }
        if (!ss.isEmpty()) {
            featurize(f, ss, gs, totals, pipe);
        }
        while (pipe != null && !pipe.prepared.isEmpty()) {
            run(f, await(pipe.prepared.poll()), totals);
        }
        return totals;
    }

    private static void featurize(Featurizer f, List<Structure> ss, List<EdgeList> gs, long[] totals, Pipeline pipe) {
        long t = System.nanoTime();
        BatchInput in = BatchInput.of(GraphBatch.pack(ss, gs, null));
        totals[2] += System.nanoTime() - t;
        ss.clear();
        gs.clear();
        if (pipe == null) {
            run(f, f.prepare(in, false), totals);
            return;
        }
        pipe.prepared.add(pipe.preparer.submit(() -> f.prepare(in, false)));
        if (pipe.prepared.size() > 2) {
            run(f, await(pipe.prepared.poll()), totals);
        }
    }

    private static void run(Featurizer f, Featurizer.PreparedBatch batch, long[] totals) {
        long t = System.nanoTime();
        f.featurize(batch, false);
        totals[3] += System.nanoTime() - t;
        totals[0] += batch.input().nodeCount();
        totals[1] += batch.input().edgeCount();
    }

    private static List<EdgeList> build(RadiusGraph rg, List<Structure> chunk) {
        List<EdgeList> out = new ArrayList<>(chunk.size());
        for (Structure s : chunk) {
            out.add(rg.build(s));
        }
        return out;
    }

    private static <T> T await(Future<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a worker", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("a graph/prepare worker failed: " + e.getCause().getMessage(), e.getCause());
        }
    }
}
