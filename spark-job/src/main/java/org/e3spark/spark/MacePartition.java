package org.e3spark.spark;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.e3spark.data.Structure;
import org.e3spark.graph.BatchBudget;
import org.e3spark.graph.EdgeList;
import org.e3spark.kernels.Floats;
import org.e3spark.model.ComputeTarget;
import org.e3spark.model.MaceModel;
import org.e3spark.model.MacePotential;
import org.e3spark.model.MaceResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One partition's work for a MACE model, through the shared {@link PartitionRows} steps: the
 * reader turns rows into structures (a row that is no valid structure, or has an element the model
 * does not know, is that row's error naming the structure and the element), the batcher cuts them
 * into batches of at most spark.e3spark.batch.maxNodes atoms, the potential evaluates a batch, and
 * the emitter writes each structure's results once, read from the result arrays, into its output row: pass-through columns, {@code energy double}, {@code forces array<array<float>>}
 * (with forces), {@code stress array<double>} (9 values, periodic rows, with stress; null otherwise),
 * {@code atom_descriptors array<array<float>>}, {@code structure_descriptors array<float>} (the mean
 * over atoms), then the error column. {@link MacePotential}s are leased from the executor's pool for
 * one batch. MACE has no device path yet: a task given a GPU runs on the CPU (logged once per
 * executor) and takes no GPU slot, which stays free for the models that use it. Under
 * onError=skip a failing batch is retried structure by structure, so only the structure that fails
 * becomes an error row.
 */
final class MacePartition implements MapPartitionsFunction<Row, Row> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(MacePartition.class);
    private static final int MAX_ROWS_PER_CHUNK = 4096;

    private final Broadcast<byte[]> modelBytes;
    private final String fingerprint;
    private final StructureColumns columns;
    private final int inputWidth;
    private final FeaturizeSettings settings;
    private final FeaturizeMetrics metrics;

    MacePartition(Broadcast<byte[]> modelBytes, String fingerprint, StructureColumns columns, int inputWidth,
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
        return new Run(input, ctx == null ? -1 : ctx.partitionId());
    }

    private final class Run implements Iterator<Row> {
        private final Iterator<Row> input;
        private final int partition;
        private final PartitionRows rows;
        private final ArrayDeque<Row> ready;
        private final long start = System.nanoTime();
        private MaceModel model;
        private java.util.Set<Integer> elements;
        private FeaturizerPool.Key poolKey;
        private long structures;
        private boolean done;

        Run(Iterator<Row> input, int partition) {
            this.input = input;
            this.partition = partition;
            this.rows = new PartitionRows(columns, inputWidth,
                    3 + (settings.forces() ? 1 : 0) + (settings.stress() ? 1 : 0), settings.skipErrors(), metrics, partition);
            this.ready = rows.ready();
        }

        @Override
        public boolean hasNext() {
            while (ready.isEmpty() && input.hasNext()) {
                open();
                List<PartitionRows.Item> items = rows.read(input, MAX_ROWS_PER_CHUNK, 4L * settings.maxNodes(), this::check);
                for (List<PartitionRows.Item> batch : PartitionRows.cut(items, new BatchBudget(settings.maxNodes(), 0, 0))) {
                    run(batch);
                }
            }
            if (ready.isEmpty() && !done && model != null) {
                done = true;
                double secs = (System.nanoTime() - start) / 1e9;
                metrics.taskMillis().add((System.nanoTime() - start) / 1_000_000);
                LOG.info("e3spark: partition {} done: {} structures, {} skipped in {} s (MACE, CPU)", partition,
                        structures, rows.skipped(), String.format("%.1f", secs));
            }
            return !ready.isEmpty();
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
            model = ExecutorState.maceModel(fingerprint, modelBytes.value());
            elements = new java.util.HashSet<>();
            for (int z : model.atomicNumbers()) {
                elements.add(z);
            }
            DeviceChoice device = DeviceChoice.decide(DeviceChoice.taskGpuAddress(TaskContext.get()), settings.gpuDevice(),
                    settings.backend());
            if (device.target().wantsGpu()) {
                ExecutorState.infoOnce("mace-cpu-fallback", "e3spark: MACE models have no GPU path yet: tasks given {} "
                        + "({}) run MACE on the CPU, without a GPU slot", device.target(), device.reason());
            }
            poolKey = new FeaturizerPool.Key(fingerprint, ComputeTarget.cpu(), settings.dtype());
        }

        /** The reader's per-structure step: the model's elements (MACE builds its graphs itself, per batch). */
        private EdgeList check(Structure s) {
            for (int i = 0; i < s.atomCount(); i++) {
                if (!elements.contains(s.number(i))) {
                    throw new IllegalArgumentException("structure " + s.id() + ": element Z = " + s.number(i)
                            + " (atom " + i + ") is not one of the model's elements "
                            + java.util.Arrays.toString(model.atomicNumbers()));
                }
            }
            return null;
        }

        private void run(List<PartitionRows.Item> batch) {
            try {
                emit(batch, evaluate(batch));
            } catch (RuntimeException e) {
                if (!settings.skipErrors() || batch.size() == 1) {
                    if (settings.skipErrors()) {
                        rows.rejected(batch.getFirst().row(), e);
                        return;
                    }
                    throw e;
                }
                LOG.warn("e3spark: partition {}: a batch of {} structures failed ({}); retrying them one by one",
                        partition, batch.size(), e.toString());
                for (PartitionRows.Item it : batch) {
                    run(List.of(it));
                }
            }
        }

        /** One batch through a potential leased from the executor's pool (closed instead of returned on failure). */
        private MaceResult evaluate(List<PartitionRows.Item> batch) {
            List<Structure> ss = new ArrayList<>(batch.size());
            batch.forEach(it -> ss.add(it.structure()));
            long t0 = System.nanoTime();
            boolean[] created = new boolean[1];
            MacePotential p = ExecutorState.potentials().borrow(poolKey, () -> {
                created[0] = true;
                return MacePotential.create(model, poolKey.target(), poolKey.dtype());
            });
            long t1 = System.nanoTime();
            if (created[0]) {
                metrics.compileMillis().add((t1 - t0) / 1_000_000);
            }
            MaceResult r;
            try {
                r = p.evaluate(ss, settings.forces(), settings.stress());
            } catch (RuntimeException e) {
                p.close();
                throw e;
            }
            ExecutorState.potentials().giveBack(poolKey, p);
            metrics.kernelMillis().add((System.nanoTime() - t1) / 1_000_000);
            return r;
        }

        // --------------------------------------------------------------- emitter

        /** Each structure's values, read once from the result arrays into its output row. */
        private void emit(List<PartitionRows.Item> batch, MaceResult r) {
            double[] energies = r.energies();
            double[] forces = r.forces();
            double[] stress = r.stress();
            double[] desc = r.descriptors();
            int d = r.descriptorDim();
            int atom0 = 0;
            int ok = 0;
            long atoms = 0;
            long edges = 0;
            for (int k = 0; k < batch.size(); k++) {
                PartitionRows.Item it = batch.get(k);
                int n = r.atomCount(k);
                String bad = PartitionRows.nonFinite("energy", energies, k, 1, null);
                bad = PartitionRows.nonFinite("atom_descriptors", desc, atom0 * d, n * d, bad);
                bad = PartitionRows.nonFinite("forces", forces, 3 * atom0, 3 * n, bad);
                bad = PartitionRows.nonFinite("stress", stress, 9 * k, 9, bad);
                if (bad != null) {
                    rows.rejected(it.row(), new IllegalArgumentException("structure " + it.structure().id()
                            + ": the model produced non-finite " + bad));
                    atom0 += n;
                    continue;
                }
                List<Object> values = new ArrayList<>(5);
                values.add(energies[k]);
                if (settings.forces()) {
                    values.add(Floats.nested(forces, 3 * atom0, n, 3));
                }
                if (settings.stress()) {
                    values.add(it.structure().periodic() ? java.util.Arrays.copyOfRange(stress, 9 * k, 9 * k + 9) : null);
                }
                values.add(Floats.nested(desc, atom0 * d, n, d));
                values.add(Floats.meanRows(desc, atom0 * d, n, d));
                rows.emit(it.row(), values.toArray());
                atom0 += n;
                atoms += n;
                edges += r.edgeCount(k);
                ok++;
            }
            structures += ok;
            metrics.structures().add(ok);
            metrics.atoms().add(atoms);
            metrics.edges().add(edges);
            metrics.batches().add(1);
        }
    }
}
