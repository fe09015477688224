package org.e3spark.spark;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.Semaphore;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;

import org.e3spark.data.Structure;
import org.e3spark.graph.BatchBudget;

import org.e3spark.graph.EdgeList;
import org.e3spark.graph.GraphBatch;
import org.e3spark.graph.RadiusGraph;
import org.e3spark.kernels.Floats;
import org.e3spark.model.BatchInput;
import org.e3spark.model.Featurizer;
import org.e3spark.model.FeaturizerModel;
import org.e3spark.model.FeaturizerResult;
import org.e3spark.model.StructureBatch;
import org.e3spark.kernels.Backend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One partition's work for the NequIP-style featurizer: rows → structures (bad rows failed or set
 * aside with their reason) → radius graphs → batches within the budget, packed once into the arrays
 * the engine reads ({@link GraphBatch} → {@link BatchInput}) → the featurizer's kernels → output rows
 * (pass-through columns + features), each structure's values read once from the result arrays and
 * rounded to float32 there.
 *
 * <p>Arrow is not on this path: it used to be (GraphBatch → {@code ArrowGraphBatch} → copied back out
 * by {@code BatchInput.of(arrow)}; results → {@code ResultTables} → {@code rowValues} → rows), a round
 * trip with no reader on either side: the CPU engine reads Java arrays, the default GPU path (graphs
 * searched on the device) uploads positions from its own pinned staging, and the host-graph GPU path
 * uploads from the same arrays. Timed on the shared 2-core development machine (2,000 synthetic
 * structures, featurizer-small's widths, 42 batches of 4,096 atoms, warm): the Arrow round trip cost
 * 46-58 ms in and 44-92 ms out against 12-26 ms and 6-9 ms for the arrays read directly; about 0.5% of
 * the CPU featurizer's 19 s there, but pure overhead and garbage, and a multiple of the whole batch time
 * on a GPU doing 100,000 structures/s. Arrow stays for Arrow IPC input and output (arrow-bridge's
 * {@code ArrowIpc}). Where the featurizer
 * searches radius graphs on the GPU ({@link Featurizer#searchesOnDevice()}, features without
 * forces), batches are cut by atoms and go to the device as positions through a
 * {@link Featurizer.Pipeline}, one batch queued ahead, and no graph is built on the host. Featurizers
 * are leased from the executor's {@link FeaturizerPool} for a chunk of batches (on a GPU a lease is
 * one of the executor's GPU slots) and given back after it, closed instead after a failure; rows are
 * converted to structures before a lease and results to rows after it.
 *
 * <p>Output rows carry one extra last column, the error (null for featurized rows).
 */
final class FeaturizePartition implements MapPartitionsFunction<Row, Row> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(FeaturizePartition.class);
    private static final int MAX_ROWS_PER_CHUNK = 4096;

    private final Broadcast<byte[]> modelBytes;
    private final String fingerprint;
    private final StructureColumns columns;
    private final int inputWidth;
    private final FeaturizeSettings settings;
    private final FeaturizeMetrics metrics;

    FeaturizePartition(Broadcast<byte[]> modelBytes, String fingerprint, StructureColumns columns, int inputWidth,
                       FeaturizeSettings settings, FeaturizeMetrics metrics) {
        this.modelBytes = modelBytes;
        this.fingerprint = fingerprint;
        this.columns = columns;
        this.inputWidth = inputWidth;
        this.settings = settings;
        this.metrics = metrics;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        TaskContext ctx = TaskContext.get();
        Run run = new Run(input, ctx == null ? -1 : ctx.partitionId());
        if (ctx != null) {
            ctx.addTaskCompletionListener((org.apache.spark.util.TaskCompletionListener) c -> run.close());
        }
        return run;
    }

    /** The per-task state, as a lazily pulled iterator of output rows. */
    private final class Run implements Iterator<Row>, AutoCloseable {
        private final Iterator<Row> input;
        private final int partition;
        private final PartitionRows rows;
        private final ArrayDeque<Row> ready;
        private final long start = System.nanoTime();
        private FeaturizerModel model;
        private RadiusGraph graph;
        private DeviceChoice device;
        private FeaturizerPool.Key poolKey;
        private Backend backend;
        private boolean searchesOnDevice;
        private final ArrayDeque<Delivered> delivered = new ArrayDeque<>(); // results back, rows not yet made
        private long kernelNanos;       // this task's kernel time, across its leases
        private long kernelMillisReported;
        private long structures;
        private long atoms;
        private long lastLog = System.nanoTime();
        private boolean closed;

        Run(Iterator<Row> input, int partition) {
            this.input = input;
            this.partition = partition;
            this.rows = new PartitionRows(columns, inputWidth, settings.forces() ? 4 : 2, settings.skipErrors(), metrics,
                    partition);
            this.ready = rows.ready();
        }

        @Override
        public boolean hasNext() {
            while (ready.isEmpty() && input.hasNext()) {
                processChunk();
            }
            if (ready.isEmpty()) {
                finish();
                return false;
            }
            return true;
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return ready.poll();
        }

        private void open() {
            if (model != null) {
                return;
            }
            model = ExecutorState.model(fingerprint, modelBytes.value());
            ExecutorState.kernelBundles(org.apache.spark.SparkEnv.get() == null ? null : org.apache.spark.SparkEnv.get().conf());
            graph = model.config().radiusGraph();
            org.apache.spark.SparkEnv env = org.apache.spark.SparkEnv.get();
            TaskContext task = TaskContext.get();
            device = DeviceChoice.decide(DeviceChoice.taskGpuAddress(task), settings.gpuDevice(), settings.backend(),
                    ExecutorState.localGpus(settings.backend(), env == null ? null : env.conf()),
                    task == null ? 0 : task.partitionId());
            poolKey = new FeaturizerPool.Key(fingerprint, device.target(), settings.dtype());
            withFeaturizer(f -> {
                backend = f.backend();
                searchesOnDevice = f.searchesOnDevice();
            });
            ExecutorState.infoOnce("device:" + device.target() + ":" + backend,
                    "e3spark: executor tasks run on {} (backend {}, {}; {})", device.target(), backend,
                    settings.dtypeName(), device.reason());
        }

        /**
         * Runs device work with a featurizer leased from the executor's pool. On a GPU the lease is one
         * of the executor's GPU slots: at most spark.e3spark.gpu.concurrentTasks featurizers (their
         * streams, workspaces and device memory) exist and work on the device at once, each fed by one
         * task thread that does nothing else meanwhile, while the other tasks convert rows on the
         * remaining cores. The featurizer goes back to the pool afterwards, or is closed if the work
         * failed (its state is then unknown).
         */
        private void withFeaturizer(java.util.function.Consumer<Featurizer> work) {
            // until the first lease tells the backend, the target decides; an AUTO target that fell back
            // to the CPU then takes no GPU slot (CPU tasks run side by side, as many as the cores)
            boolean onGpu = backend == null ? device.target().wantsGpu() : backend == Backend.CUDA || backend == Backend.HIP;
            Semaphore slots = onGpu ? ExecutorState.gpuSlots(device.target(), settings.gpuConcurrentTasks()) : null;
            if (slots != null) {
                slots.acquireUninterruptibly();
            }
            Featurizer f = null;
            boolean ok = false;
            try {
                long t0 = System.nanoTime();
                boolean[] created = new boolean[1];
                f = ExecutorState.featurizers().borrow(poolKey, () -> {
                    created[0] = true;
                    return Featurizer.create(model, poolKey.target(), poolKey.dtype());
                });
                if (created[0]) {
                    metrics.compileMillis().add((System.nanoTime() - t0) / 1_000_000);
                }
                long k0 = f.stats().kernelNanos();
                work.accept(f);
                kernelNanos += f.stats().kernelNanos() - k0;
                ok = true;
            } finally {
                try {
                    if (f != null && ok) {
                        ExecutorState.featurizers().giveBack(poolKey, f);
                    } else if (f != null) {
                        f.close();
                    }
                } finally {
                    if (slots != null) {
                        slots.release();
                    }
                }
            }
        }

        private record Delivered(List<PartitionRows.Item> batch, FeaturizerResult result, long edges) {
        }

        private void processChunk() {
            open();
            boolean onDevice = !settings.forces() && searchesOnDevice;
            // on the device path a chunk is one lease of a GPU slot: several batches, so that the
            // pipeline runs long between its start and its final flush
            long chunkNodes = (onDevice ? 16L : 4L) * settings.maxNodes();
            List<PartitionRows.Item> items = rows.read(input, MAX_ROWS_PER_CHUNK, chunkNodes, s -> {
                model.checkSpecies(s);
                if (onDevice) {
                    graph.imageFrame(s); // the checks a host search would make (absurd image counts)
                    return null;
                }
                return graph.build(s);
            });
            List<List<PartitionRows.Item>> batches = PartitionRows.cut(items,
                    new BatchBudget(settings.maxNodes(), settings.maxEdges(), 0));
            if (onDevice) {
                try {
                    runOnDevice(batches);
                } catch (RuntimeException e) {
                    if (!settings.skipErrors()) {
                        throw e;
                    }
                    // under skip a failing batch must not abort the job: results delivered before the
                    // failure are dropped and every structure is featurized alone on host graphs, so
                    // that only the structure that fails becomes an error row
                    delivered.clear();
                    LOG.warn("e3spark: partition {}: a device batch failed ({}); retrying its structures one by one",
                            partition, e.toString());
                    for (List<PartitionRows.Item> b : batches) {
                        for (PartitionRows.Item it : b) {
                            runAlone(it, true);
                        }
                    }
                }
            } else {
                for (List<PartitionRows.Item> b : batches) {
                    try {
                        runBatch(b);
                    } catch (RuntimeException e) {
                        if (!settings.skipErrors()) {
                            throw e;
                        }
                        LOG.warn("e3spark: partition {}: a batch of {} structures failed ({}); retrying them one by one",
                                partition, b.size(), e.toString());
                        for (PartitionRows.Item it : b) {
                            runAlone(it, false);
                        }
                    }
                }
            }
            logProgress(false);
        }

        /** One structure as its own batch (after its batch failed under skip); a failure is its error row. */
        private void runAlone(PartitionRows.Item it, boolean buildGraph) {
            try {
                PartitionRows.Item item = buildGraph ? new PartitionRows.Item(it.row(), it.structure(), graph.build(it.structure())) : it;
                runBatch(List.of(item));
            } catch (RuntimeException e) {
                rows.rejected(it.row(), e);
            }
        }

        /** Host graphs: one batch packed into the engine's arrays, featurized, rows made after the lease. */
        private void runBatch(List<PartitionRows.Item> batch) {
            List<EdgeList> gs = new ArrayList<>(batch.size());
            for (PartitionRows.Item it : batch) {
                gs.add(it.edges());
            }
            BatchInput in = BatchInput.of(GraphBatch.pack(PartitionRows.structuresOf(batch), gs, null));
            FeaturizerResult[] r = new FeaturizerResult[1];
            withFeaturizer(f -> r[0] = f.featurize(in, settings.forces()));
            emit(batch, r[0], in.edgeCount());
        }

        /**
         * Device search: the chunk's batches are packed here (host work, no lease), then fed through
         * one pipeline under a single lease, one batch queued ahead; rows are made once the lease is
         * given back, so that another task's thread feeds the GPU meanwhile.
         */
        private void runOnDevice(List<List<PartitionRows.Item>> batches) {
            List<StructureBatch> packed = new ArrayList<>(batches.size());
            for (List<PartitionRows.Item> b : batches) {
                packed.add(StructureBatch.of(PartitionRows.structuresOf(b), model));
            }
            withFeaturizer(f -> {
                ArrayDeque<List<PartitionRows.Item>> queued = new ArrayDeque<>();
                long[] edgesSeen = {f.deviceTimings().orElseThrow().edges()};
                try (Featurizer.Pipeline p = f.pipeline(r -> {
                    long edges = f.deviceTimings().orElseThrow().edges();
                    delivered.add(new Delivered(queued.poll(), r, edges - edgesSeen[0]));
                    edgesSeen[0] = edges;
                })) {
                    for (int k = 0; k < packed.size(); k++) {
                        queued.add(batches.get(k));
                        p.submit(packed.get(k));
                    }
                }
            });
            for (Delivered d = delivered.poll(); d != null; d = delivered.poll()) {
                emit(d.batch(), d.result(), d.edges());
            }
        }

        /** A batch's result → output rows (each structure's values read once, rounded to float), and the metrics. */
        private void emit(List<PartitionRows.Item> batch, FeaturizerResult r, long edgeCount) {
            int w = r.atomWidth();
            int sw = r.structureWidth();
            int[] off = r.nodeOffsets();
            double[] energies = r.hasForces() ? r.energies() : null;
            double[] forceValues = r.forcesOrNull();
            int rejectedHere = 0;
            for (int k = 0; k < batch.size(); k++) {
                Structure st = batch.get(k).structure();
                if (r.structureIds()[k] != st.id()) {
                    throw new IllegalStateException("result row " + k + " is not structure " + st.id());
                }
                int n = off[k + 1] - off[k];
                // NaN/Inf features (an overflowing model, a degenerate structure) are never written as
                // results: the row fails, or becomes an error row naming the structure
                String bad = PartitionRows.nonFinite("atom_features", r.atomFeatures(), off[k] * w, n * w,
                        PartitionRows.nonFinite("structure_features", r.structureFeatures(), k * sw, sw,
                                PartitionRows.nonFinite("energy", energies, k, 1,
                                        PartitionRows.nonFinite("forces", forceValues, 3 * off[k], 3 * n, null))));
                if (bad != null) {
                    rows.rejected(batch.get(k).row(), new IllegalArgumentException("structure " + st.id()
                            + ": the model produced non-finite " + bad
                            + " (check the config's avg_num_neighbors, weights and the structure's geometry)"));
                    rejectedHere++;
                    continue;
                }
                float[][] atom = Floats.nested(r.atomFeatures(), off[k] * w, n, w);
                float[] struct = Floats.nested(r.structureFeatures(), k * sw, 1, sw)[0];
                Double energy = energies == null ? null : energies[k];
                float[][] forces = forceValues == null ? null : Floats.nested(forceValues, 3 * off[k], n, 3);
                if (settings.forces()) {
                    rows.emit(batch.get(k).row(), atom, struct, energy, forces);
                } else {
                    rows.emit(batch.get(k).row(), atom, struct);
                }
            }
            structures += batch.size() - rejectedHere;
            atoms += r.nodeCount();
            metrics.structures().add(batch.size() - rejectedHere);
            metrics.atoms().add(r.nodeCount());
            metrics.edges().add(edgeCount);
            metrics.batches().add(1);
            if (backend == Backend.CUDA) {
                metrics.gpuBatches().add(1);
            }
            long kernelMillis = kernelNanos / 1_000_000;
            metrics.kernelMillis().add(kernelMillis - kernelMillisReported);
            kernelMillisReported = kernelMillis;
        }

        private void logProgress(boolean end) {
            long now = System.nanoTime();
            if (!end && now - lastLog < settings.progressSeconds() * 1_000_000_000L) {
                return;
            }
            lastLog = now;
            double secs = (now - start) / 1e9;
            LOG.info("e3spark: partition {} {}: {} structures, {} atoms, {} skipped in {} s ({} structures/s, {})",
                    partition, end ? "done" : "progress", structures, atoms, rows.skipped(), String.format("%.1f", secs),
                    String.format("%.1f", structures / Math.max(secs, 1e-9)), backend);
        }

        private void finish() {
            if (!closed && model != null) {
                logProgress(true);
                metrics.taskMillis().add((System.nanoTime() - start) / 1_000_000);
            }
            close();
        }

        /** Nothing is held between chunks: featurizers are leased per chunk, batches are plain arrays. */
        @Override
        public void close() {
            closed = true;
        }
    }

}
