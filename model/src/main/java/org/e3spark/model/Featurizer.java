package org.e3spark.model;

import java.util.ArrayList;
import java.util.List;
import org.e3spark.data.Structure;
import org.e3spark.graph.EdgeList;
import org.e3spark.graph.GraphBatch;
import org.e3spark.graph.RadiusGraph;
import org.e3spark.kernels.Backend;
import org.e3spark.kernels.ConvGraph;
import org.e3spark.kernels.ConvMode;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.Floats;
import org.e3spark.kernels.Gradients;
import org.e3spark.kernels.GradientsF32;
import org.e3spark.kernels.ShNormalization;
import org.e3spark.kernels.SphericalHarmonics;
import org.e3spark.kernels.TensorProductConv;
import org.e3spark.kernels.cuda.CudaTensorProductConv;
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
 * download per batch). Forces, and every stage on the CPU backends, use the host path: dense stages
 * in float64, convolutions on the backend. {@code -De3spark.featurizer.device=false} keeps CUDA
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
        target.select();
        long t0 = System.nanoTime();
        try {
            for (ModelPlan.LayerPlan lp : plan.layers()) {
                convs.add(TensorProductConv.create(lp.conv(), target.backend(), dtype, mode));
                RadialMlp mlp = lp.radial();
                double[][] w = new double[mlp.layers()][];
                for (int j = 0; j < mlp.layers(); j++) {
                    w[j] = model.weight(lp.prefix() + "radial_mlp.layer" + j + ".weight");
                }
                mlpWeights[lp.index()] = w;
            }
            if (convs.getFirst() instanceof CudaTensorProductConv
                    && FeaturizerSwitches.device()) {
                List<CudaTensorProductConv> cuda = convs.stream().map(CudaTensorProductConv.class::cast).toList();
                device = new DeviceFeaturizer(plan, radial, convScale, dtype, cuda, model::weight);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
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
        return new Stats(kernelNanos, compileNanos, kernelCalls, batches);
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
        FeaturizerConfig c = model.config();
        int n = in.nodeCount();
        int e = in.edgeCount();
        int s = in.structureCount();
        int lmax = c.lmax();
        int shDim = SphericalHarmonics.dim(lmax);
        int numSpecies = c.species().size();
        int[] speciesIndex = batch.speciesIndex;
        plan.checkBatch(n, e); // before any n x width or e x width array is sized
        if (device != null && !forces) {
            DeviceFeaturizer.Prepared p = batch.device != null ? batch.device
                    : device.prepare(speciesIndex, in.nodeOffsets(), in.senders(), in.receivers(), in.vectors());
            return forwardOnDevice(in, p);
        }
        int[] structureOf = new int[n];
        for (int k = 0; k < s; k++) {
            for (int i = in.nodeOffsets()[k]; i < in.nodeOffsets()[k + 1]; i++) {
                structureOf[i] = k;
            }
        }
        // Embedding: one-hot species through o3.Linear.
        double[] oneHot = new double[n * numSpecies];
        for (int i = 0; i < n; i++) {
            oneHot[i * numSpecies + speciesIndex[i]] = 1.0;
        }
        double[] h = plan.embedding().forward(oneHot, n, model.weight("embedding.weight"));

        // Edge inputs, shared by every layer.
        double[] sh;
        double[] shJacobian = null;
        if (forces) {
            SphericalHarmonics.WithJacobian wj = SphericalHarmonics.evaluateWithJacobian(lmax, in.vectors(), true,
                    ShNormalization.COMPONENT);
            sh = wj.values();
            shJacobian = wj.jacobian();
        } else {
            sh = SphericalHarmonics.evaluate(lmax, in.vectors(), true, ShNormalization.COMPONENT);
        }
        double[] radialDerivative = forces ? new double[e * radial.count()] : null;
        double[] rad = radial.evaluate(in.lengths(), radialDerivative);
        ConvGraph graph = ConvGraph.of(in.senders(), in.receivers(), n);
        float[] shF = dtype == DType.FLOAT32 ? Floats.round(sh) : null;

        int layers = plan.layers().size();
        double[][] hIn = new double[layers][];
        double[][] uCache = new double[layers][];
        double[][] wCache = new double[layers][];
        double[][] gateIn = new double[layers][];
        RadialMlp.Cache[][] mlpCache = new RadialMlp.Cache[layers][1];
        for (ModelPlan.LayerPlan lp : plan.layers()) {
            int k = lp.index();
            hIn[k] = h;
            double[] u = lp.linearUp().forward(h, n, model.weight(lp.prefix() + "linear_up.weight"));
            double[] w = lp.radial().forward(rad, e, mlpWeights[k], forces ? mlpCache[k] : null);
            double[] m = convForward(k, u, sh, shF, w, graph);
            for (int q = 0; q < m.length; q++) {
                m[q] *= convScale;
            }
            double[] gi = lp.linearDown().forward(m, n, model.weight(lp.prefix() + "linear_down.weight"));
            double[] g = lp.gate().forward(gi, n);
            if (lp.residual()) {
                for (int q = 0; q < g.length; q++) {
                    g[q] += h[q];
                }
            }
            if (forces) {
                uCache[k] = u;
                wCache[k] = w;
                gateIn[k] = gi;
            }
            h = g;
        }

        // Readout.
        int width = plan.atomFeatureWidth();
        double[] atom = plan.invariants(h, n);
        double[] perStructure = new double[s * 2 * width];
        for (int i = 0; i < n; i++) {
            int k = structureOf[i];
            for (int q = 0; q < width; q++) {
                perStructure[k * 2 * width + q] += atom[i * width + q];
            }
        }
        for (int k = 0; k < s; k++) {
            int atoms = in.nodeOffsets()[k + 1] - in.nodeOffsets()[k];
            for (int q = 0; q < width; q++) {
                perStructure[k * 2 * width + width + q] = perStructure[k * 2 * width + q] / atoms;
            }
        }
        double[] readoutW = model.weight("readout.weight");
        double[] atomEnergy = plan.readout().forward(h, n, readoutW);
        double[] energies = new double[s];
        for (int i = 0; i < n; i++) {
            energies[structureOf[i]] += atomEnergy[i];
        }

        double[] forceValues = null;
        if (forces) {
            // d(sum of energies)/dh_L, then back through the layers.
            double[] ones = new double[n];
            java.util.Arrays.fill(ones, 1.0);
            double[] gh = plan.readout().backward(ones, n, readoutW);
            double[] gSh = new double[e * shDim];
            double[] gRad = new double[e * radial.count()];
            for (int k = layers - 1; k >= 0; k--) {
                ModelPlan.LayerPlan lp = plan.layers().get(k);
                double[] gGateIn = lp.gate().backward(gateIn[k], gh, n);
                double[] gm = lp.linearDown().backward(gGateIn, n, model.weight(lp.prefix() + "linear_down.weight"));
                for (int q = 0; q < gm.length; q++) {
                    gm[q] *= convScale;
                }
                double[][] g = convBackward(k, uCache[k], sh, shF, wCache[k], graph, gm);
                for (int q = 0; q < gSh.length; q++) {
                    gSh[q] += g[1][q];
                }
                double[] gr = lp.radial().backward(mlpCache[k][0], g[2], mlpWeights[k]);
                for (int q = 0; q < gRad.length; q++) {
                    gRad[q] += gr[q];
                }
                double[] ghPrev = lp.linearUp().backward(g[0], n, model.weight(lp.prefix() + "linear_up.weight"));
                if (lp.residual()) {
                    for (int q = 0; q < ghPrev.length; q++) {
                        ghPrev[q] += gh[q];
                    }
                }
                gh = ghPrev;
            }
            forceValues = forcesFromEdgeGradients(in, gSh, shJacobian, gRad, radialDerivative, shDim);
        }
        batches++;
        return new FeaturizerResult(in.structureIds().clone(), in.nodeOffsets().clone(), width, atom, perStructure,
                energies, forceValues);
    }

    private FeaturizerResult forwardOnDevice(BatchInput in, DeviceFeaturizer.Prepared prepared) {
        DeviceFeaturizer.Output out = device.forward(prepared);
        noteDeviceKernels();
        batches++;
        return new FeaturizerResult(in.structureIds().clone(), in.nodeOffsets().clone(), plan.atomFeatureWidth(),
                out.atomFeatures(), out.pooled(), out.energies(), null);
    }

    /** dE/dD per edge from the harmonics and radial gradients; D = x_sender - x_receiver (+ shift). */
    private double[] forcesFromEdgeGradients(BatchInput in, double[] gSh, double[] shJacobian, double[] gRad,
                                             double[] radialDerivative, int shDim) {
        int n = in.nodeCount();
        int e = in.edgeCount();
        int nb = radial.count();
        double[] grad = new double[3 * n];
        double[] v = in.vectors();
        double[] len = in.lengths();
        for (int q = 0; q < e; q++) {
            double gx = 0;
            double gy = 0;
            double gz = 0;
            for (int k = 0; k < shDim; k++) {
                double g = gSh[q * shDim + k];
                int j = (q * shDim + k) * 3;
                gx += g * shJacobian[j];
                gy += g * shJacobian[j + 1];
                gz += g * shJacobian[j + 2];
            }
            double gr = 0;
            for (int b = 0; b < nb; b++) {
                gr += gRad[q * nb + b] * radialDerivative[q * nb + b];
            }
            double r = len[q];
            if (r > 0) {
                gx += gr * v[3 * q] / r;
                gy += gr * v[3 * q + 1] / r;
                gz += gr * v[3 * q + 2] / r;
            }
            int snd = in.senders()[q];
            int rcv = in.receivers()[q];
            grad[3 * snd] += gx;
            grad[3 * snd + 1] += gy;
            grad[3 * snd + 2] += gz;
            grad[3 * rcv] -= gx;
            grad[3 * rcv + 1] -= gy;
            grad[3 * rcv + 2] -= gz;
        }
        for (int i = 0; i < grad.length; i++) {
            grad[i] = -grad[i];
        }
        return grad;
    }

    private double[] convForward(int k, double[] u, double[] sh, float[] shF, double[] w, ConvGraph graph) {
        TensorProductConv conv = convs.get(k);
        long t0 = System.nanoTime();
        try {
            if (dtype == DType.FLOAT64) {
                return conv.forward(u, sh, w, graph);
            }
            return Floats.widen(conv.forward(Floats.round(u), shF, Floats.round(w), graph));
        } finally {
            kernelNanos += System.nanoTime() - t0;
            kernelCalls++;
        }
    }

    /** (dL/du, dL/dsh, dL/dw). */
    private double[][] convBackward(int k, double[] u, double[] sh, float[] shF, double[] w, ConvGraph graph, double[] g) {
        TensorProductConv conv = convs.get(k);
        long t0 = System.nanoTime();
        try {
            if (dtype == DType.FLOAT64) {
                Gradients r = conv.backward(u, sh, w, graph, g);
                return new double[][] {r.x(), r.y(), r.w()};
            }
            GradientsF32 r = conv.backward(Floats.round(u), shF, Floats.round(w), graph, Floats.round(g));
            return new double[][] {Floats.widen(r.x()), Floats.widen(r.y()), Floats.widen(r.w())};
        } finally {
            kernelNanos += System.nanoTime() - t0;
            kernelCalls++;
        }
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
