package org.e3spark.model;

import java.util.ArrayList;
import java.util.List;
import org.e3spark.data.Structure;
import org.e3spark.graph.EdgeList;
import org.e3spark.graph.GraphBatch;
import org.e3spark.graph.RadiusGraph;
import org.e3spark.kernels.Backend;
import org.e3spark.kernels.ConvMode;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.TensorProductConv;
import org.e3spark.kernels.gpu.DeviceTensorProductConv;
import org.e3spark.model.internal.ModelPlan;
import org.e3spark.model.internal.RadialBasis;
import org.e3spark.model.internal.RadialMlp;
import org.e3spark.model.internal.gpu.DeviceFeaturizer;
import org.e3spark.model.internal.gpu.DeviceStructurePipeline;

/**
 * A {@link FeaturizerModel} ready to run on one {@link ComputeTarget}: an equivariant
 * message-passing network in NequIP's shape.
 * <pre>
 *   h_0 = Linear(one-hot species)                                  (embedding, scalars)
 *   per layer k:  u   = Linear_up(h_k)
 *                 m_i = sum over edges e = (j -> i) of TP_uvu(u_j, Y(D_e), MLP_k(R(|D_e|))) / sqrt(avg_num_neighbors)
 *                 h_k+1 = Gate(Linear_down(m)) (+ h_k when the irreps agree)
 *   per atom:      invariants of h_L: 0e values, norms of l > 0 channels
 *   per structure: sum and mean of the per-atom features; scalar = sum over atoms of Linear(h_L -> 1x0e)
 *   forces:        -d scalar / d positions, by the tensor products' backward passes and the exact
 *                  Jacobians of the spherical harmonics and radial basis
 * </pre>
 * The fused convolutions (one {@link TensorProductConv} per layer, created once here, where GPU
 * kernels are generated and compiled) run in the chosen dtype on the chosen backend. On CUDA the
 * forward pass runs wholly on the device ({@link DeviceFeaturizer}: the edge inputs, radial MLPs,
 * linears, gates and readout as generated kernels around the convolutions, one upload and one
 * download per batch). Forces, and every stage on the CPU backends, use the host path
 * ({@link HostForwardPass}, {@link FeatureReadout}, {@link EdgeForces}: dense stages in float64,
 * convolutions on the backend); this class is the facade that picks one and drives the device path
 * (the pipeline, prepared batches). {@code -De3spark.featurizer.device=false} ({@link FeaturizerSwitches}) keeps CUDA
 * batches on the host path too (for comparisons). Not thread-safe: one per task; {@link #close()}
 * frees the convolutions (closing twice is harmless, use after close throws).
 */
public final class Featurizer implements AutoCloseable {

    /** Cumulative timings: inside convolution kernels, and creating (compiling) them. */
    public record Stats(long kernelNanos, long compileNanos, long kernelCalls, long batches) {
    }

    private final FeaturizerModel model;
    private final ModelPlan plan;
    private final ComputeTarget target;
    private final DType dtype;
    private final List<TensorProductConv> convs = new ArrayList<>();
    private final double[][][] mlpWeights;
    private final RadialBasis radial;
    private final double convScale;
    private DeviceFeaturizer device;
    private HostForwardPass host;
    private Pipeline openPipeline;
    private long deviceKernelsSeen;
    private long kernelNanos;
    private long compileNanos;
    private long kernelCalls;
    private long batches;
    private boolean closed;

    private Featurizer(FeaturizerModel model, ComputeTarget target, DType dtype, ConvMode mode) {
        this.model = model;
        this.plan = model.plan();
        this.target = target;
        this.dtype = dtype;
        FeaturizerConfig c = model.config();
        this.radial = new RadialBasis(c.edgeFeatures().bessel(), c.edgeFeatures().envelope());
        this.convScale = 1.0 / Math.sqrt(c.avgNumNeighbors());
        this.mlpWeights = new double[plan.layers().size()][][];
        long t0 = System.nanoTime();
        try {
            for (ModelPlan.LayerPlan lp : plan.layers()) {
                convs.add(target.convolution(lp.conv(), dtype, mode));
                RadialMlp mlp = lp.radial();
                double[][] w = new double[mlp.layers()][];
                for (int j = 0; j < mlp.layers(); j++) {
                    w[j] = model.weight(lp.prefix() + "radial_mlp.layer" + j + ".weight");
                }
                mlpWeights[lp.index()] = w;
            }
            if (convs.getFirst() instanceof DeviceTensorProductConv
                    && FeaturizerSwitches.device()) {
                List<DeviceTensorProductConv> cuda = convs.stream().map(DeviceTensorProductConv.class::cast).toList();
                device = new DeviceFeaturizer(plan, radial, convScale, dtype, cuda, model::weight);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        host = new HostForwardPass(model, dtype, convs, mlpWeights, radial, convScale);
        compileNanos = System.nanoTime() - t0;
    }

    /** Deterministic convolutions (bit-reproducible sums). */
    public static Featurizer create(FeaturizerModel model, ComputeTarget target, DType dtype) {
        return new Featurizer(model, target, dtype, ConvMode.DETERMINISTIC);
    }

    public static Featurizer create(FeaturizerModel model, ComputeTarget target, DType dtype, ConvMode mode) {
        return new Featurizer(model, target, dtype, mode);
    }

    public FeaturizerModel model() {
        return model;
    }

    public ComputeTarget target() {
        return target;
    }

    /** The backend the convolutions actually run on (never AUTO). */
    public Backend backend() {
        checkOpen();
        return convs.getFirst().backend();
    }

    public DType dtype() {
        return dtype;
    }

    public Stats stats() {
        return new Stats(kernelNanos + host.kernelNanos(), compileNanos, kernelCalls + host.kernelCalls(), batches);
    }

    /** Per-stage times of the on-device forward pass, when this featurizer has one (CUDA). */
    public java.util.Optional<DeviceFeaturizer.Timings> deviceTimings() {
        return device == null ? java.util.Optional.empty() : java.util.Optional.of(device.timings());
    }

    /**
     * Features of structures (convenience for library users and tests). On the device forward path
     * the radius graphs are searched on the GPU ({@link #pipeline}); otherwise, and for forces, they
     * are built on the host at the config's cutoff and packed into one batch.
     */
    public FeaturizerResult featurize(List<Structure> structures, boolean forces) {
        if (!forces && searchesOnDevice()) {
            FeaturizerResult[] out = new FeaturizerResult[1];
            try (Pipeline p = pipeline(r -> out[0] = r)) {
                p.submit(prepare(structures));
            }
            return out[0];
        }
        for (Structure s : structures) {
            model.checkSpecies(s);
        }
        return featurize(hostGraphs(structures), forces);
    }

    /** True when feature batches go from positions to features on the GPU, radius graph included. */
    public boolean searchesOnDevice() {
        checkOpen();
        return device != null && FeaturizerSwitches.deviceGraph();
    }

    /**
     * Checks and packs structures for {@link Pipeline#submit}: species indices, positions, periodic
     * frames; no graph. Host work only, safe on any thread while this featurizer runs other batches.
     */
    public StructureBatch prepare(List<Structure> structures) {
        checkOpen();
        return StructureBatch.of(structures, model);
    }

    /**
     * Features (no forces) of a stream of batches, delivered to {@code sink} in submission order on
     * the submitting thread. On the device path one batch is always queued on the GPU ahead of the
     * host: {@link Pipeline#submit} returns once batch k+1 is queued, after handing batch k's result
     * to the sink, so preparing batch k+2 overlaps the GPU's work. Elsewhere each batch runs at once
     * (host radius graphs, then {@link #featurize(BatchInput, boolean)}). Close (or flush) to receive
     * the last result. One pipeline at a time per featurizer.
     */
    public Pipeline pipeline(java.util.function.Consumer<FeaturizerResult> sink) {
        checkOpen();
        if (sink == null) {
            throw new IllegalArgumentException("a sink for the results is needed");
        }
        if (openPipeline != null) {
            throw new IllegalStateException("this featurizer already has an open pipeline: close it first");
        }
        openPipeline = new Pipeline(sink);
        return openPipeline;
    }

    /** See {@link #pipeline}. */
    public final class Pipeline implements AutoCloseable {
        private final java.util.function.Consumer<FeaturizerResult> sink;
        private final java.util.ArrayDeque<DeviceStructurePipeline.Done> pending = new java.util.ArrayDeque<>();
        private boolean closed;

        private Pipeline(java.util.function.Consumer<FeaturizerResult> sink) {
            this.sink = sink;
        }

        /** Queues a batch; results of earlier batches that are ready reach the sink meanwhile. */
        public void submit(StructureBatch batch) {
            if (closed) {
                throw new IllegalStateException("pipeline is closed");
            }
            checkOpen();
            if (searchesOnDevice() && batch.deviceSearch()) {
                deliver(false);
                DeviceStructurePipeline.Done done = device.structures().submit(new DeviceStructurePipeline.Atoms(
                        batch.nodeOffsets(), batch.speciesIndex(), batch.positions(), batch.structureOf(), batch.frames(),
                        batch.prepareNanos()), batch);
                if (done != null) {
                    pending.add(done);
                }
                return;
            }
            flush(); // keep results in order
            sink.accept(featurize(hostGraphs(batch.structures()), false));
        }

        /** Hands the sink every result still queued, waiting for the device. */
        public void flush() {
            if (device != null) {
                DeviceStructurePipeline.Done last = device.drainStructures();
                if (last != null) {
                    pending.add(last);
                }
            }
            deliver(true);
        }

        /** Results in submission order: all of them, or those whose arrays are ready. */
        private void deliver(boolean all) {
            while (!pending.isEmpty() && (all || pending.peek().isReady())) {
                DeviceStructurePipeline.Done done = pending.poll();
                StructureBatch b = (StructureBatch) done.tag();
                DeviceFeaturizer.Output out = done.output();
                noteDeviceKernels();
                batches++;
                sink.accept(new FeaturizerResult(b.structureIds().clone(), b.nodeOffsets().clone(),
                        plan.atomFeatureWidth(), out.atomFeatures(), out.pooled(), out.energies(), null));
            }
        }

        /** Delivers what is queued and ends the pipeline (the featurizer stays open). */
        @Override
        public void close() {
            if (closed) {
                return;
            }
            try {
                if (!Featurizer.this.closed) {
                    flush();
                }
            } finally {
                closed = true;
                openPipeline = null;
            }
        }
    }

    /** One batch of radius graphs built on the host at the config's cutoff (species already checked). */
    private BatchInput hostGraphs(List<Structure> structures) {
        RadiusGraph rg = model.config().radiusGraph();
        List<EdgeList> graphs = new ArrayList<>();
        for (Structure s : structures) {
            graphs.add(rg.build(s));
        }
        return BatchInput.of(GraphBatch.pack(structures, graphs, null));
    }

    /** Adds the device's kernel time since last seen to this featurizer's stats. */
    private void noteDeviceKernels() {
        long now = device.timings().kernelNanos();
        kernelNanos += now - deviceKernelsSeen;
        kernelCalls++;
        deviceKernelsSeen = now;
    }

    /** Features of one packed batch; forces when asked. */
    public FeaturizerResult featurize(BatchInput in, boolean forces) {
        return featurize(prepare(in, forces), forces);
    }

    /**
     * A batch checked and prepared for {@link #featurize(PreparedBatch, boolean)}: species indices and,
     * for the on-device forward pass, the graph's orders and work lists. Host work only: safe on
     * another thread while this featurizer runs the previous batch (the way to keep a GPU busy).
     */
    public static final class PreparedBatch {
        private final BatchInput input;
        private final int[] speciesIndex;
        private final DeviceFeaturizer.Prepared device;

        private PreparedBatch(BatchInput input, int[] speciesIndex, DeviceFeaturizer.Prepared device) {
            this.input = input;
            this.speciesIndex = speciesIndex;
            this.device = device;
        }

        public BatchInput input() {
            return input;
        }
    }

    /** Prepares a batch (see {@link PreparedBatch}); {@code forces} as it will be featurized. */
    public PreparedBatch prepare(BatchInput in, boolean forces) {
        checkOpen();
        FeaturizerConfig c = model.config();
        int n = in.nodeCount();
        int[] speciesIndex = new int[n];
        for (int k = 0; k < in.structureCount(); k++) {
            for (int i = in.nodeOffsets()[k]; i < in.nodeOffsets()[k + 1]; i++) {
                int idx = model.speciesIndex(in.numbers()[i]);
                if (idx < 0) {
                    throw new org.e3spark.data.InvalidStructureException("structure " + in.structureIds()[k]
                            + ": atomic number " + in.numbers()[i] + " is not among the featurizer's species");
                }
                speciesIndex[i] = idx;
            }
        }
        DeviceFeaturizer d = device;
        DeviceFeaturizer.Prepared onDevice = d != null && !forces
                ? d.prepare(speciesIndex, in.nodeOffsets(), in.senders(), in.receivers(), in.vectors()) : null;
        return new PreparedBatch(in, speciesIndex, onDevice);
    }

    /** Features of a prepared batch; forces when asked (prepare with the same flag). */
    public FeaturizerResult featurize(PreparedBatch batch, boolean forces) {
        checkOpen();
        BatchInput in = batch.input;
        int[] speciesIndex = batch.speciesIndex;
        plan.checkBatch(in.nodeCount(), in.edgeCount()); // before any n x width or e x width array is sized
        if (device != null && !forces) {
            DeviceFeaturizer.Prepared p = batch.device != null ? batch.device
                    : device.prepare(speciesIndex, in.nodeOffsets(), in.senders(), in.receivers(), in.vectors());
            return forwardOnDevice(in, p);
        }
        FeaturizerResult r = host.run(in, speciesIndex, forces);
        batches++;
        return r;
    }

    private FeaturizerResult forwardOnDevice(BatchInput in, DeviceFeaturizer.Prepared prepared) {
        DeviceFeaturizer.Output out = device.forward(prepared);
        noteDeviceKernels();
        batches++;
        return new FeaturizerResult(in.structureIds().clone(), in.nodeOffsets().clone(), plan.atomFeatureWidth(),
                out.atomFeatures(), out.pooled(), out.energies(), null);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("Featurizer is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        if (device != null) {
            try {
                device.close(); // before the convolutions: its queued work uses them
            } catch (RuntimeException ex) {
                first = ex;
            }
            device = null;
        }
        for (TensorProductConv conv : convs) {
            try {
                conv.close();
            } catch (RuntimeException ex) {
                if (first == null) {
                    first = ex;
                } else {
                    first.addSuppressed(ex);
                }
            }
        }
        convs.clear();
        if (first != null) {
            throw first;
        }
    }
}
