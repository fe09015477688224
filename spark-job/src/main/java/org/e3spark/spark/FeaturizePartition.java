package org.e3spark.spark;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.Semaphore;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.vectorized.ArrowColumnVector;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import org.e3spark.arrow.ArrowGraphBatch;
import org.e3spark.arrow.ResultColumn;
import org.e3spark.arrow.ResultTables;
import org.e3spark.data.Structure;
import org.e3spark.graph.BatchBudget;
import org.e3spark.graph.EdgeList;
import org.e3spark.graph.GraphBatch;
import org.e3spark.graph.RadiusGraph;
import org.e3spark.kernels.DType;
import org.e3spark.model.BatchInput;
import org.e3spark.model.Featurizer;
import org.e3spark.model.FeaturizerModel;
import org.e3spark.model.FeaturizerResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One partition's work: rows → structures (bad rows failed or set aside with their reason) →
 * radius graphs → batches within the budget → Arrow ({@link ArrowGraphBatch}, reused across the
 * task's batches) → the featurizer's kernels → Arrow result tables → {@link ColumnarBatch} of
 * {@link ArrowColumnVector}s → output rows (pass-through columns + features). Where the featurizer
 * searches radius graphs on the GPU ({@link Featurizer#searchesOnDevice()}, features without
 * forces), batches are cut by atoms and go to the device as positions through a
 * {@link Featurizer.Pipeline}, one batch queued ahead, and no graph is built on the host. Per-task resources
 * (the featurizer's convolutions, the Arrow allocator) are closed when the input ends, and in any
 * case by a task-completion listener; the allocator throws on leaks.
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
        private final ArrayDeque<Row> ready = new ArrayDeque<>();
        private final long start = System.nanoTime();
        private FeaturizerModel model;
        private RadiusGraph graph;
        private DeviceChoice device;
        private Featurizer featurizer;
        private BufferAllocator allocator;
        private ArrowGraphBatch arrow;
        private Featurizer.Pipeline pipeline; // device search: batches queued, their rows waiting here
        private final ArrayDeque<List<Item>> queued = new ArrayDeque<>();
        private long edgesReported;
        private long kernelMillisReported;
        private long structures;
        private long atoms;
        private long skipped;
        private long lastLog = System.nanoTime();
        private boolean closed;

        Run(Iterator<Row> input, int partition) {
            this.input = input;
            this.partition = partition;
        }

        @Override
        public boolean hasNext() {
            while (ready.isEmpty() && input.hasNext()) {
                processChunk();
            }
            if (ready.isEmpty() && pipeline != null) {
                withGpuSlot(pipeline::flush); // the last batches still on the device
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
            graph = model.config().radiusGraph();
            device = DeviceChoice.decide(DeviceChoice.taskGpuAddress(TaskContext.get()), settings.gpuDevice(),
                    settings.backend());
            long t0 = System.nanoTime();
            featurizer = Featurizer.create(model, device.target(), DType.valueOf(settings.dtype().toUpperCase()));
            ExecutorState.infoOnce("device:" + device.target() + ":" + featurizer.backend(),
                    "e3spark: executor tasks run on {} (backend {}, {}; {})", device.target(), featurizer.backend(),
                    settings.dtype(), device.reason());
            metrics.compileMillis().add((System.nanoTime() - t0) / 1_000_000);
            allocator = new RootAllocator(Long.MAX_VALUE);
        }

        private record Item(Row row, Structure structure, EdgeList edges) {
        }

        private void processChunk() {
            open();
            boolean onDevice = !settings.forces() && featurizer.searchesOnDevice();
            List<Item> items = new ArrayList<>();
            long nodes = 0;
            while (input.hasNext() && items.size() < MAX_ROWS_PER_CHUNK && nodes < 4L * settings.maxNodes()) {
                Row row = input.next();
                try {
                    Structure s = columns.toStructure(row);
                    model.checkSpecies(s);
                    EdgeList e = null;
                    if (onDevice) {
                        graph.imageFrame(s); // the checks a host search would make (absurd image counts)
                    } else {
                        e = graph.build(s);
                    }
                    items.add(new Item(row, s, e));
                    nodes += s.atomCount();
                } catch (IllegalArgumentException e) {
                    rejected(row, e);
                }
            }
            BatchBudget budget = new BatchBudget(settings.maxNodes(), settings.maxEdges(), 0);
            int from = 0;
            while (from < items.size()) {
                int to = from;
                long n = 0;
                long e = 0;
                while (to < items.size()) {
                    Item it = items.get(to);
                    long n2 = n + it.structure().atomCount();
                    long e2 = e + (it.edges() == null ? 0 : it.edges().edgeCount());
                    if (to > from && !budget.fits(n2, e2, 0)) {
                        break;
                    }
                    n = n2;
                    e = e2;
                    to++;
                }
                if (onDevice) {
                    submitBatch(List.copyOf(items.subList(from, to)));
                } else {
                    runBatch(items.subList(from, to));
                }
                from = to;
            }
            logProgress(false);
        }

        private void rejected(Row row, IllegalArgumentException e) {
            Long id = columns.idOf(row);
            if (!settings.skipErrors()) {
                throw new BadStructureRowException("row with " + columns.idName() + " " + id + " (partition " + partition
                        + ") is not a valid structure: " + e.getMessage()
                        + ". Set spark.e3spark.onError=skip to write such rows to the errors output instead.", e);
            }
            skipped++;
            metrics.skippedRows().add(1);
            if (skipped <= 3) {
                LOG.warn("e3spark: partition {}: skipping row with {} {}: {}", partition, columns.idName(), id, e.getMessage());
            }
            ready.add(outputRow(row, null, null, null, null, e.getMessage() == null ? e.toString() : e.getMessage()));
        }

        private void runBatch(List<Item> batch) {
            List<Structure> ss = new ArrayList<>(batch.size());
            List<EdgeList> gs = new ArrayList<>(batch.size());
            for (Item it : batch) {
                ss.add(it.structure());
                gs.add(it.edges());
            }
            GraphBatch gb = GraphBatch.pack(ss, gs, null);
            if (arrow == null) {
                arrow = ArrowGraphBatch.allocate(allocator, gb);
            } else {
                arrow.load(gb);
            }
            BatchInput in = BatchInput.of(arrow);
            FeaturizerResult[] r = new FeaturizerResult[1];
            withGpuSlot(() -> r[0] = featurizer.featurize(in, settings.forces()));
            emit(batch, r[0], in.edgeCount());
        }

        /** Device search: queue the batch; its rows are emitted when its result comes back. */
        private void submitBatch(List<Item> batch) {
            if (pipeline == null) {
                pipeline = featurizer.pipeline(r -> {
                    long edges = featurizer.deviceTimings().orElseThrow().edges();
                    emit(queued.poll(), r, edges - edgesReported);
                    edgesReported = edges;
                });
            }
            List<Structure> ss = new ArrayList<>(batch.size());
            for (Item it : batch) {
                ss.add(it.structure());
            }
            org.e3spark.model.StructureBatch packed = featurizer.prepare(ss);
            queued.add(batch);
            withGpuSlot(() -> pipeline.submit(packed));
        }

        /** Runs device work while holding one of the executor's GPU task slots (when on a GPU). */
        private void withGpuSlot(Runnable work) {
            Semaphore slots = device.target().wantsGpu() ? ExecutorState.gpuSlots(settings.gpuConcurrentTasks()) : null;
            if (slots != null) {
                slots.acquireUninterruptibly();
            }
            try {
                work.run();
            } finally {
                if (slots != null) {
                    slots.release();
                }
            }
        }

        /** A batch's result → Arrow result table → columnar batch → output rows, and the metrics. */
        private void emit(List<Item> batch, FeaturizerResult r, long edgeCount) {
            List<ResultColumn> cols = new ArrayList<>();
            cols.add(new ResultColumn("atom_features", ResultColumn.Scope.ATOM, r.atomWidth(), r.atomFeatures()));
            cols.add(new ResultColumn("structure_features", ResultColumn.Scope.STRUCTURE, r.structureWidth(),
                    r.structureFeatures()));
            if (r.hasForces()) {
                cols.add(new ResultColumn("energy", ResultColumn.Scope.STRUCTURE, 1, r.energies()));
                cols.add(new ResultColumn("forces", ResultColumn.Scope.ATOM, 3, r.forcesOrNull()));
            }
            try (VectorSchemaRoot table = ResultTables.allocate(allocator, r.structureIds(), r.nodeOffsets(), cols)) {
                ColumnVector[] vectors = new ColumnVector[table.getFieldVectors().size()];
                for (int c = 0; c < vectors.length; c++) {
                    FieldVector v = table.getVector(c);
                    vectors[c] = new ArrowColumnVector(v);
                }
                ColumnarBatch cb = new ColumnarBatch(vectors, table.getRowCount());
                for (int k = 0; k < batch.size(); k++) {
                    if (cb.column(0).getLong(k) != batch.get(k).structure().id()) {
                        throw new IllegalStateException("result row " + k + " is not structure " + batch.get(k).structure().id());
                    }
                    float[][] atom = nested(cb.column(1).getArray(k).toDoubleArray(), r.atomWidth());
                    float[] struct = flat(cb.column(2).getArray(k).toDoubleArray());
                    Double energy = r.hasForces() ? cb.column(3).getArray(k).getDouble(0) : null;
                    float[][] forces = r.hasForces() ? nested(cb.column(4).getArray(k).toDoubleArray(), 3) : null;
                    ready.add(outputRow(batch.get(k).row(), atom, struct, energy, forces, null));
                }
            }
            structures += batch.size();
            atoms += r.nodeCount();
            metrics.structures().add(batch.size());
            metrics.atoms().add(r.nodeCount());
            metrics.edges().add(edgeCount);
            metrics.batches().add(1);
            if (featurizer.backend() == org.e3spark.kernels.Backend.CUDA) {
                metrics.gpuBatches().add(1);
            }
            long kernelMillis = featurizer.stats().kernelNanos() / 1_000_000;
            metrics.kernelMillis().add(kernelMillis - kernelMillisReported);
            kernelMillisReported = kernelMillis;
        }

        /** Pass-through columns in input order, then features (null in error rows), then the error. */
        private Row outputRow(Row in, float[][] atom, float[] struct, Double energy, float[][] forces, String error) {
            List<Object> values = new ArrayList<>(inputWidth + 5);
            for (int i = 0; i < inputWidth; i++) {
                if (!columns.isGeometry(i)) {
                    values.add(in.get(i));
                }
            }
            values.add(atom);
            values.add(struct);
            if (settings.forces()) {
                values.add(energy);
                values.add(forces);
            }
            values.add(error);
            return RowFactory.create(values.toArray());
        }

        private void logProgress(boolean end) {
            long now = System.nanoTime();
            if (!end && now - lastLog < settings.progressSeconds() * 1_000_000_000L) {
                return;
            }
            lastLog = now;
            double secs = (now - start) / 1e9;
            LOG.info("e3spark: partition {} {}: {} structures, {} atoms, {} skipped in {} s ({} structures/s, {})",
                    partition, end ? "done" : "progress", structures, atoms, skipped, String.format("%.1f", secs),
                    String.format("%.1f", structures / Math.max(secs, 1e-9)), featurizer.backend());
        }

        private void finish() {
            if (!closed && featurizer != null) {
                logProgress(true);
                metrics.taskMillis().add((System.nanoTime() - start) / 1_000_000);
            }
            close();
        }

        @Override
        public void close() {
            if (closed) {
                return;
            }
            closed = true;
            // the pipeline (results still queued on a failed task are dropped with the task), the Arrow
            // batch, the featurizer, then the allocator (which throws if anything leaked)
            RuntimeException failure = null;
            for (AutoCloseable r : new AutoCloseable[] {pipeline, arrow, featurizer, allocator}) {
                if (r == null) {
                    continue;
                }
                try {
                    r.close();
                } catch (Exception e) {
                    RuntimeException re = e instanceof RuntimeException x ? x : new IllegalStateException(e);
                    if (failure == null) {
                        failure = re;
                    } else {
                        failure.addSuppressed(re);
                    }
                }
            }
            if (failure != null) {
                throw failure;
            }
        }
    }

    private static float[][] nested(double[] values, int width) {
        float[][] out = new float[values.length / width][width];
        for (int i = 0; i < out.length; i++) {
            for (int c = 0; c < width; c++) {
                out[i][c] = (float) values[i * width + c];
            }
        }
        return out;
    }

    private static float[] flat(double[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (float) values[i];
        }
        return out;
    }
}
