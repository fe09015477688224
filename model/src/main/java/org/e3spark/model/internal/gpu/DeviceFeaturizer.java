package org.e3spark.model.internal.gpu;

import java.util.ArrayList;
import java.util.List;
import org.e3spark.kernels.ConvGraph;
import org.e3spark.kernels.bundle.KernelSource;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.gpu.GpuDevice;
import org.e3spark.kernels.gpu.GpuEvent;
import org.e3spark.kernels.gpu.GpuFunction;
import org.e3spark.kernels.gpu.GpuModule;
import org.e3spark.kernels.gpu.GpuStream;
import org.e3spark.kernels.gpu.DeviceTensorProductConv;
import org.e3spark.kernels.gpu.DeviceAllocator;
import org.e3spark.kernels.gpu.DeviceBuffer;
import org.e3spark.kernels.gpu.DeviceConvGraph;
import org.e3spark.kernels.gpu.LaunchConfig;
import org.e3spark.kernels.gpu.GpuTarget;
import org.e3spark.model.internal.ModelPlan;
import org.e3spark.model.internal.RadialBasis;

/**
 * A featurizer's forward pass on one CUDA device, start to end: the batch's species, edge vectors
 * and graph go up once, every stage runs as a kernel on this instance's stream (the generated
 * {@link FeaturizerKernels} around the fused {@link DeviceTensorProductConv}s), and only the per-atom
 * features, pooled features and scalars come back. Weights are uploaded once, in the kernels'
 * dtype; intermediate buffers grow to the largest batch seen and are reused.
 *
 * <p>Two ways in: {@link #forward} takes a batch whose graph the host built ({@link #prepare}),
 * {@link #structures()} takes atom positions and searches the graph on the device, one batch queued
 * ahead of the host.
 *
 * <p>Times: {@link Timings#kernelNanos} is GPU time between events around the kernels (no
 * transfers, no host work), {@code searchNanos} the radius-graph search's part of it (which may run
 * beside the previous batch's kernels), {@code kernelBusyNanos} the time at least one kernel of the
 * structure pipeline ran (overlaps counted once). Upload and download are host wall-clock for {@link #forward} (pageable
 * copies) and GPU event time for the structure pipeline. The structure pipeline's host side:
 * {@code hostEnqueueNanos} staging and queuing work, {@code hostWaitNanos} blocked on the device (high
 * when the device is the bottleneck), {@code hostCollectNanos} turning results into arrays (on the
 * pipeline's converter thread).
 */
public final class DeviceFeaturizer implements AutoCloseable {

    /** Cumulative per-stage times of the batches run so far. */
    public record Timings(long prepareNanos, long uploadNanos, long kernelNanos, long downloadNanos, long batches,
                          long edges, long searchNanos, long kernelBusyNanos, long hostEnqueueNanos,
                          long hostWaitNanos, long hostCollectNanos) {
    }

    /** The outputs of one batch, in float64 for the caller's result types. */
    public record Output(double[] atomFeatures, double[] pooled, double[] energies) {
    }

    static final List<String> OPTIONS = List.of("--std=c++17");

    private final ModelPlan plan;
    private final DType dtype;
    private final GpuDevice device;
    private final List<DeviceTensorProductConv> convs;
    private final GpuModule module;
    private final DeviceAllocator allocator;
    private final GpuStream stream;
    private final GpuEvent start;
    private final GpuEvent stop;
    private final GpuEvent copied;
    private final Workspace work;
    private final DeviceBuffer embeddingWeight;
    private final DeviceBuffer readoutWeight;
    private final List<LayerWeights> layerWeights = new ArrayList<>();
    private final String source;
    private final int multiprocessors;
    private long prepareNanos;
    private long uploadNanos;
    private long kernelNanos;
    private long downloadNanos;
    private long searchNanos;
    private long hostEnqueueNanos;
    private long hostWaitNanos;
    private long edges;
    private long batches;
    private DeviceStructurePipeline structures;
    private boolean closed;
    private org.e3spark.kernels.gpu.PinnedHostBuffer pinnedResults;

    private record LayerWeights(DeviceBuffer up, DeviceBuffer[] mlp, DeviceBuffer down) {
    }

    /** Weights by name in e3nn's layout (float64), as {@link org.e3spark.model.FeaturizerModel#weight} gives them. */
    public interface WeightSource {
        double[] weight(String name);
    }

    /**
     * Compiles (or loads from the kernel cache) the dense-stage kernels for the convolutions' device
     * and uploads the weights; on failure everything acquired so far is released.
     */
    public DeviceFeaturizer(ModelPlan plan, RadialBasis radial, double convScale, DType dtype,
                            List<DeviceTensorProductConv> convs, WeightSource weights) {
        if (convs.size() != plan.layers().size()) {
            throw new IllegalArgumentException("one convolution per layer: " + convs.size() + " for "
                    + plan.layers().size() + " layers");
        }
        this.plan = plan;
        this.dtype = dtype;
        this.convs = List.copyOf(convs);
        this.device = convs.getFirst().device();
        this.multiprocessors = device.multiprocessorCount();
        FeaturizerKernels kernels = new FeaturizerKernels(plan, radial, convScale, dtype);
        KernelSource unit = denseStages(kernels, dtype, GpuTarget.Dialect.CUDA, 32);
        this.source = unit.source();
        GpuModule m = device.load(source, unit.programName(), unit.options());
        DeviceAllocator a = null;
        GpuStream s = null;
        GpuEvent e0 = null;
        GpuEvent e1 = null;
        GpuEvent e2 = null;
        try {
            for (String name : kernels.kernelNames()) {
                m.function(name); // every kernel present, or fail now
            }
            a = device.newAllocator("featurizer");
            s = device.createStream();
            e0 = device.createEvent();
            e1 = device.createEvent();
            e2 = device.createEvent();
        } catch (RuntimeException ex) {
            closeAll(ex, e2, e1, e0, s, a, m);
            throw ex;
        }
        this.module = m;
        this.allocator = a;
        this.stream = s;
        this.start = e0;
        this.stop = e1;
        this.copied = e2;
        this.work = new Workspace(allocator, stream);
        try {
            this.embeddingWeight = upload(weights.weight("embedding.weight"));
            for (ModelPlan.LayerPlan lp : plan.layers()) {
                DeviceBuffer[] mlp = new DeviceBuffer[lp.radial().layers()];
                for (int j = 0; j < mlp.length; j++) {
                    mlp[j] = upload(weights.weight(lp.prefix() + "radial_mlp.layer" + j + ".weight"));
                }
                layerWeights.add(new LayerWeights(upload(weights.weight(lp.prefix() + "linear_up.weight")), mlp,
                        upload(weights.weight(lp.prefix() + "linear_down.weight"))));
            }
            this.readoutWeight = upload(weights.weight("readout.weight"));
        } catch (RuntimeException ex) {
            close();
            throw ex;
        }
    }

    /**
     * The dense stages' translation unit as this class compiles it (program name, source, options): also what
     * a kernel bundle holds for a featurizer ({@code org.e3spark.model.ModelKernels}). HIP: no options.
     */
    public static KernelSource denseStages(FeaturizerKernels kernels, DType dtype, GpuTarget.Dialect dialect, int warpWidth) {
        String src = kernels.render(dialect, warpWidth);
        String program = "e3spark_featurizer_" + Integer.toHexString(src.hashCode()) + "_" + dtype.name().toLowerCase()
                + (dialect == GpuTarget.Dialect.CUDA ? ".cu" : ".hip");
        return new KernelSource(program, src, dialect == GpuTarget.Dialect.CUDA ? OPTIONS : List.of(),
                "featurizer dense stages (" + dtype.name().toLowerCase() + ")");
    }

    /** The generated CUDA source of the dense stages. */
    public String kernelSource() {
        return source;
    }

    public GpuDevice device() {
        return device;
    }

    public Timings timings() {
        return new Timings(prepareNanos, uploadNanos, kernelNanos, downloadNanos, batches, edges, searchNanos,
                structures == null ? 0 : structures.busyNanos(), hostEnqueueNanos, hostWaitNanos,
                structures == null ? 0 : structures.conversionNanos());
    }

    /**
     * The pipeline that takes batches as atom positions and searches their graphs on the device
     * (created on first use, closed with this instance).
     */
    public DeviceStructurePipeline structures() {
        if (closed) {
            throw new IllegalStateException("device featurizer is closed");
        }
        if (structures == null) {
            structures = new DeviceStructurePipeline(this, stream, work);
        }
        return structures;
    }

    /** The last batch still queued in {@link #structures()}, finished; null when none is. */
    public DeviceStructurePipeline.Done drainStructures() {
        return structures == null ? null : structures.drain();
    }

    DType dtype() {
        return dtype;
    }

    int atomFeatureWidth() {
        return plan.atomFeatureWidth();
    }

    GpuFunction function(String kernel) {
        return module.function(kernel);
    }

    void account(long prepare, long upload, long kernels, long download, int edgeCount) {
        edges += edgeCount;
        prepareNanos += prepare;
        uploadNanos += upload;
        kernelNanos += kernels;
        downloadNanos += download;
        batches++;
    }

    void accountSearch(long nanos) {
        searchNanos += nanos;
    }

    void accountHost(long enqueue, long wait) {
        hostEnqueueNanos += enqueue;
        hostWaitNanos += wait;
    }

    /** A batch's host-side preparation: the planned graph and the edge vectors in the kernels' dtype. */
    public static final class Prepared {
        private final int[] speciesIndex;
        private final int[] nodeOffsets;
        private final DeviceConvGraph.HostPlan graph;
        private final Object vectors;
        private final long prepareNanos;

        private Prepared(int[] speciesIndex, int[] nodeOffsets, DeviceConvGraph.HostPlan graph, Object vectors,
                         long prepareNanos) {
            this.speciesIndex = speciesIndex;
            this.nodeOffsets = nodeOffsets;
            this.graph = graph;
            this.vectors = vectors;
            this.prepareNanos = prepareNanos;
        }
    }

    /**
     * The host half of a batch (graph orders, work lists, dtype conversion). Touches no device state,
     * so any thread may prepare the next batch while this instance's stream runs the current one.
     * {@code speciesIndex} holds each atom's index in the model's species list (checked by the
     * caller); the edges follow {@link org.e3spark.model.BatchInput}'s convention.
     */
    public Prepared prepare(int[] speciesIndex, int[] nodeOffsets, int[] senders, int[] receivers, double[] vectors) {
        long t0 = System.nanoTime();
        ConvGraph graph = ConvGraph.of(senders, receivers, speciesIndex.length);
        DeviceConvGraph.HostPlan planned = DeviceConvGraph.plan(graph, multiprocessors);
        Object vecs = convert(vectors);
        return new Prepared(speciesIndex, nodeOffsets, planned, vecs, System.nanoTime() - t0);
    }

    /** The device half of a batch: upload, every kernel on this instance's stream, download. */
    public Output forward(Prepared batch) {
        if (closed) {
            throw new IllegalStateException("device featurizer is closed");
        }
        int n = batch.speciesIndex.length;
        int e = batch.graph.graph().numEdges();
        int s = batch.nodeOffsets.length - 1;
        prepareNanos += batch.prepareNanos;
        long t1 = System.nanoTime();
        Object vecs = batch.vectors;
        int[] speciesIndex = batch.speciesIndex;
        int[] nodeOffsets = batch.nodeOffsets;
        int width = plan.atomFeatureWidth();
        DeviceBuffer species = work.ints("species", n);
        DeviceBuffer offsets = work.ints("node_offsets", s + 1);
        DeviceBuffer edgeVectors = work.reals("vectors", 3L * e, dtype);
        try (DeviceConvGraph deviceGraph = DeviceConvGraph.upload(batch.graph, device, work)) {
            species.copyFrom(speciesIndex);
            offsets.copyFrom(nodeOffsets);
            copyIn(edgeVectors, vecs);
            long t2 = System.nanoTime();
            uploadNanos += t2 - t1;

            start.record(stream);
            Results r = enqueueFeatures(species, offsets, edgeVectors, deviceGraph, n, e, s);
            DeviceBuffer atom = r.atom();
            DeviceBuffer pooled = r.pooled();
            DeviceBuffer energies = r.energies();
            stop.record(stream);
            // results come back through one pinned buffer, copied on the stream right after the kernels
            long atomCount = (long) n * width;
            long pooledCount = (long) s * 2 * width;
            long total = atomCount + pooledCount + s;
            java.lang.foreign.MemorySegment host = pinned(total * dtype.bytes());
            copyResult(atom, atomCount, host, 0);
            copyResult(pooled, pooledCount, host, atomCount);
            copyResult(energies, s, host, atomCount + pooledCount);
            copied.record(stream);
            stream.synchronize();
            kernelNanos += Math.round(stop.elapsedMillisSince(start) * 1e6);
            long t3 = System.nanoTime();
            Output out = new Output(widen(host, 0, atomCount, dtype), widen(host, atomCount, pooledCount, dtype),
                    widen(host, atomCount + pooledCount, s, dtype));
            // the copies' GPU time plus widening on the host
            downloadNanos += Math.round(copied.elapsedMillisSince(stop) * 1e6) + System.nanoTime() - t3;
            batches++;
            edges += e;
            return out;
        }
    }

    /** The result buffers of {@link #enqueueFeatures}, valid until the next batch's kernels. */
    record Results(DeviceBuffer atom, DeviceBuffer pooled, DeviceBuffer energies) {
    }

    /**
     * Queues every kernel from the embedding to the readout on this instance's stream, for a batch
     * whose species, node offsets, edge vectors and graph are on the device already.
     */
    Results enqueueFeatures(DeviceBuffer species, DeviceBuffer offsets, DeviceBuffer edgeVectors, DeviceConvGraph graph,
                            int n, int e, int s) {
        int lmax = plan.config().lmax();
        int shDim = (lmax + 1) * (lmax + 1);
        int width = plan.atomFeatureWidth();
        DeviceBuffer sh = work.reals("sh", (long) e * shDim, dtype);
        DeviceBuffer rad = work.reals("radial", (long) e * plan.config().radialCount(), dtype);
        DeviceBuffer h = work.reals("h_a", (long) n * plan.embedding().out().dim(), dtype);
        launch(FeaturizerKernels.EMBED, (long) n * plan.embedding().out().dim(), species, embeddingWeight, h, n);
        launch(FeaturizerKernels.EDGE_INPUTS, e, edgeVectors, sh, rad, e);
        boolean inA = true;
        for (ModelPlan.LayerPlan lp : plan.layers()) {
            int k = lp.index();
            LayerWeights lw = layerWeights.get(k);
            DeviceBuffer u = work.reals("u", (long) n * lp.in().dim(), dtype);
            DeviceBuffer w = work.reals("edge_weights", (long) e * lp.conv().weightNumel(), dtype);
            DeviceBuffer msg = work.reals("messages", (long) n * lp.conv().out().dim(), dtype);
            DeviceBuffer gateIn = work.reals("gate_in", (long) n * lp.gate().in().dim(), dtype);
            DeviceBuffer next = work.reals(inA ? "h_b" : "h_a", (long) n * lp.out().dim(), dtype);
            Object[] mlpArgs = new Object[lw.mlp().length + 3];
            mlpArgs[0] = rad;
            System.arraycopy(lw.mlp(), 0, mlpArgs, 1, lw.mlp().length);
            mlpArgs[mlpArgs.length - 2] = w;
            mlpArgs[mlpArgs.length - 1] = e;
            launch(FeaturizerKernels.radialMlp(k), e, mlpArgs);
            launch(FeaturizerKernels.linearUp(k), (long) n * lp.in().dim(), h, lw.up(), u, n);
            convs.get(k).forward(u, sh, w, msg, graph, stream);
            launch(FeaturizerKernels.linearDown(k), (long) n * lp.gate().in().dim(), msg, lw.down(), gateIn, n);
            if (lp.residual()) {
                launch(FeaturizerKernels.gate(k), (long) n * lp.out().dim(), gateIn, h, next, n);
            } else {
                launch(FeaturizerKernels.gate(k), (long) n * lp.out().dim(), gateIn, next, n);
            }
            h = next;
            inA = !inA;
        }
        DeviceBuffer atom = work.reals("atom_features", (long) n * width, dtype);
        DeviceBuffer pooled = work.reals("pooled", (long) s * 2 * width, dtype);
        DeviceBuffer energies = work.reals("energies", s, dtype);
        launch(FeaturizerKernels.INVARIANTS, (long) n * width, h, atom, n);
        launch(FeaturizerKernels.POOL, (long) s * width, atom, offsets, pooled, s);
        launch(FeaturizerKernels.ENERGY, s, h, readoutWeight, offsets, energies, s);
        return new Results(atom, pooled, energies);
    }

    void launch(String kernel, long threads, Object... args) {
        launchOn(stream, kernel, threads, args);
    }

    void launchOn(GpuStream on, String kernel, long threads, Object... args) {
        if (threads == 0) {
            return;
        }
        GpuFunction f = module.function(kernel);
        f.launch(LaunchConfig.cover(threads, FeaturizerKernels.BLOCK), on, args);
    }

    private Object convert(double[] a) {
        if (dtype == DType.FLOAT64) {
            return a;
        }
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }

    private static void copyIn(DeviceBuffer b, Object host) {
        switch (host) {
            case double[] d -> b.copyFrom(d);
            case float[] f -> b.copyFrom(f);
            default -> throw new IllegalStateException("unexpected host array " + host.getClass());
        }
    }

    private DeviceBuffer upload(double[] w) {
        DeviceBuffer b = allocator.allocate(Math.max(1, (long) w.length * dtype.bytes()));
        try {
            copyIn(b, convert(w));
        } catch (RuntimeException ex) {
            b.close();
            throw ex;
        }
        return b;
    }

    /** Queues the first {@code count} values of {@code b} into the staged results from element {@code at}. */
    private void copyResult(DeviceBuffer b, long count, java.lang.foreign.MemorySegment host, long at) {
        if (count > 0) {
            b.copyToAsync(host.asSlice(at * dtype.bytes(), count * dtype.bytes()), stream);
        }
    }

    /** The pinned staging buffer for results, grown on demand (the stream is idle when it is replaced). */
    private java.lang.foreign.MemorySegment pinned(long bytes) {
        if (pinnedResults == null || pinnedResults.byteSize() < bytes) {
            if (pinnedResults != null) {
                stream.synchronize();
                pinnedResults.close();
                pinnedResults = null;
            }
            pinnedResults = device.allocatePinned(Math.max(4096, bytes + bytes / 4));
        }
        return pinnedResults.segment();
    }

    /** {@code count} values from {@code offset} (in elements) of staged results in {@code dtype}, as float64. */
    static double[] widen(java.lang.foreign.MemorySegment host, long offset, long count, DType dtype) {
        double[] out = new double[Math.toIntExact(count)];
        if (dtype == DType.FLOAT64) {
            java.lang.foreign.MemorySegment.copy(host, java.lang.foreign.ValueLayout.JAVA_DOUBLE, offset * 8, out, 0, out.length);
        } else {
            float[] f = new float[out.length];
            java.lang.foreign.MemorySegment.copy(host, java.lang.foreign.ValueLayout.JAVA_FLOAT, offset * 4, f, 0, f.length);
            for (int i = 0; i < out.length; i++) {
                out[i] = f[i];
            }
        }
        return out;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        List<AutoCloseable> owned = new ArrayList<>();
        if (structures != null) {
            owned.add(structures); // first: it waits for its queued copies
        }
        if (work != null) {
            owned.add(work);
        }
        for (LayerWeights lw : layerWeights) {
            owned.add(lw.up());
            owned.add(lw.down());
            owned.addAll(List.of(lw.mlp()));
        }
        owned.add(embeddingWeight);
        owned.add(readoutWeight);
        owned.add(pinnedResults);
        owned.add(copied);
        owned.add(stop);
        owned.add(start);
        owned.add(stream);
        owned.add(allocator);
        owned.add(module);
        for (AutoCloseable c : owned) {
            if (c == null) {
                continue;
            }
            try {
                c.close();
            } catch (Exception ex) {
                if (first == null) {
                    first = ex instanceof RuntimeException r ? r : new IllegalStateException(ex);
                } else {
                    first.addSuppressed(ex);
                }
            }
        }
        layerWeights.clear();
        if (first != null) {
            throw first;
        }
    }

    private static void closeAll(RuntimeException cause, AutoCloseable... cs) {
        for (AutoCloseable c : cs) {
            if (c == null) {
                continue;
            }
            try {
                c.close();
            } catch (Exception ex) {
                cause.addSuppressed(ex);
            }
        }
    }
}
