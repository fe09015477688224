package org.e3spark.model.internal.gpu;

import java.util.ArrayList;
import java.util.List;
import org.e3spark.kernels.ConvGraph;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.cuda.CudaDevice;
import org.e3spark.kernels.cuda.CudaEvent;
import org.e3spark.kernels.cuda.CudaFunction;
import org.e3spark.kernels.cuda.CudaModule;
import org.e3spark.kernels.cuda.CudaRuntime;
import org.e3spark.kernels.cuda.CudaStream;
import org.e3spark.kernels.cuda.CudaTensorProductConv;
import org.e3spark.kernels.cuda.DeviceAllocator;
import org.e3spark.kernels.cuda.DeviceBuffer;
import org.e3spark.kernels.cuda.DeviceConvGraph;
import org.e3spark.kernels.cuda.LaunchConfig;
import org.e3spark.kernels.internal.codegen.GpuTarget;
import org.e3spark.model.internal.ModelPlan;
import org.e3spark.model.internal.RadialBasis;

/**
 * A featurizer's forward pass on one CUDA device, start to end: the batch's species, edge vectors
 * and graph go up once, every stage runs as a kernel on this instance's stream (the generated
 * {@link FeaturizerKernels} around the fused {@link CudaTensorProductConv}s), and only the per-atom
 * features, pooled features and scalars come back. Weights are uploaded once, in the kernels'
 * dtype; intermediate buffers grow to the largest batch seen and are reused.
 *
 * <p>Times: {@link Timings#kernelNanos} is GPU time between two events around the kernel sequence
 * (no transfers, no host work); the other fields are wall-clock on the host.
 */
public final class DeviceFeaturizer implements AutoCloseable {

    /** Cumulative per-stage times of the batches run so far. */
    public record Timings(long prepareNanos, long uploadNanos, long kernelNanos, long downloadNanos, long batches) {
    }

    /** The outputs of one batch, in float64 for the caller's result types. */
    public record Output(double[] atomFeatures, double[] pooled, double[] energies) {
    }

    static final List<String> OPTIONS = List.of("--std=c++17");

    private final ModelPlan plan;
    private final DType dtype;
    private final CudaDevice device;
    private final List<CudaTensorProductConv> convs;
    private final CudaModule module;
    private final DeviceAllocator allocator;
    private final CudaStream stream;
    private final CudaEvent start;
    private final CudaEvent stop;
    private final Workspace work;
    private final DeviceBuffer embeddingWeight;
    private final DeviceBuffer readoutWeight;
    private final List<LayerWeights> layerWeights = new ArrayList<>();
    private final String source;
    private long prepareNanos;
    private long uploadNanos;
    private long kernelNanos;
    private long downloadNanos;
    private long batches;
    private boolean closed;

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
                            List<CudaTensorProductConv> convs, WeightSource weights) {
        if (convs.size() != plan.layers().size()) {
            throw new IllegalArgumentException("one convolution per layer: " + convs.size() + " for "
                    + plan.layers().size() + " layers");
        }
        this.plan = plan;
        this.dtype = dtype;
        this.convs = List.copyOf(convs);
        this.device = convs.getFirst().device();
        FeaturizerKernels kernels = new FeaturizerKernels(plan, radial, convScale, dtype);
        this.source = kernels.render(GpuTarget.Dialect.CUDA, 32);
        String program = "e3spark_featurizer_" + Integer.toHexString(source.hashCode()) + "_"
                + dtype.name().toLowerCase() + ".cu";
        CudaModule m = CudaRuntime.compiler().load(device, source, program, OPTIONS);
        DeviceAllocator a = null;
        CudaStream s = null;
        CudaEvent e0 = null;
        CudaEvent e1 = null;
        try {
            for (String name : kernels.kernelNames()) {
                m.function(name); // every kernel present, or fail now
            }
            a = device.newAllocator("featurizer");
            s = device.createStream();
            e0 = device.createEvent();
            e1 = device.createEvent();
        } catch (RuntimeException ex) {
            closeAll(ex, e1, e0, s, a, m);
            throw ex;
        }
        this.module = m;
        this.allocator = a;
        this.stream = s;
        this.start = e0;
        this.stop = e1;
        this.work = new Workspace(allocator, device);
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

    /** The generated CUDA source of the dense stages. */
    public String kernelSource() {
        return source;
    }

    public CudaDevice device() {
        return device;
    }

    public Timings timings() {
        return new Timings(prepareNanos, uploadNanos, kernelNanos, downloadNanos, batches);
    }

    /**
     * Forward pass of one batch. {@code speciesIndex} holds each atom's index in the model's species
     * list (checked by the caller); the edges follow {@link org.e3spark.model.BatchInput}'s convention.
     */
    public Output forward(int[] speciesIndex, int[] nodeOffsets, int[] senders, int[] receivers, double[] vectors) {
        if (closed) {
            throw new IllegalStateException("device featurizer is closed");
        }
        int n = speciesIndex.length;
        int e = senders.length;
        int s = nodeOffsets.length - 1;
        long t0 = System.nanoTime();
        ConvGraph graph = ConvGraph.of(senders, receivers, n);
        Object vecs = convert(vectors);
        long t1 = System.nanoTime();
        prepareNanos += t1 - t0;

        int lmax = plan.config().lmax();
        int shDim = (lmax + 1) * (lmax + 1);
        int width = plan.atomFeatureWidth();
        DeviceBuffer species = work.ints("species", n);
        DeviceBuffer offsets = work.ints("node_offsets", s + 1);
        DeviceBuffer edgeVectors = work.reals("vectors", 3L * e, dtype);
        try (DeviceConvGraph deviceGraph = DeviceConvGraph.upload(graph, device, work)) {
            species.copyFrom(speciesIndex);
            offsets.copyFrom(nodeOffsets);
            copyIn(edgeVectors, vecs);
            long t2 = System.nanoTime();
            uploadNanos += t2 - t1;

            DeviceBuffer sh = work.reals("sh", (long) e * shDim, dtype);
            DeviceBuffer rad = work.reals("radial", (long) e * plan.config().radialCount(), dtype);
            DeviceBuffer h = work.reals("h_a", (long) n * plan.embedding().out().dim(), dtype);
            start.record(stream);
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
                convs.get(k).forward(u, sh, w, msg, deviceGraph, stream);
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
            stop.record(stream);
            stream.synchronize();
            long t3 = System.nanoTime();
            kernelNanos += Math.round(stop.elapsedMillisSince(start) * 1e6);
            Output out = new Output(download(atom, (long) n * width), download(pooled, (long) s * 2 * width),
                    download(energies, s));
            downloadNanos += System.nanoTime() - t3;
            batches++;
            return out;
        }
    }

    private void launch(String kernel, long threads, Object... args) {
        if (threads == 0) {
            return;
        }
        CudaFunction f = module.function(kernel);
        f.launch(LaunchConfig.cover(threads, FeaturizerKernels.BLOCK), stream, args);
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

    /** The first {@code count} values of a (possibly larger, reused) buffer, widened to float64. */
    private double[] download(DeviceBuffer b, long count) {
        double[] out = new double[Math.toIntExact(count)];
        if (count == 0) {
            return out;
        }
        if (dtype == DType.FLOAT64) {
            b.copyTo(out);
            return out;
        }
        float[] f = new float[out.length];
        b.copyTo(f);
        for (int i = 0; i < f.length; i++) {
            out[i] = f[i];
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
