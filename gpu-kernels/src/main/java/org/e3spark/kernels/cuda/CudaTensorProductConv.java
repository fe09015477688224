package org.e3spark.kernels.cuda;

import org.e3spark.kernels.gpu.DeviceTensorProductConv;

import org.e3spark.kernels.gpu.GpuStream;

import org.e3spark.kernels.gpu.DeviceConvGraph;
import org.e3spark.kernels.gpu.LaunchConfig;
import org.e3spark.kernels.gpu.DeviceAllocator;
import org.e3spark.kernels.gpu.DeviceBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.e3spark.kernels.Backend;
import org.e3spark.kernels.ConvGraph;
import org.e3spark.kernels.ConvMode;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.DoubleGradients;
import org.e3spark.kernels.DoubleGradientsF32;
import org.e3spark.kernels.Gradients;
import org.e3spark.kernels.GradientsF32;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.internal.TensorProductConvBase;
import org.e3spark.kernels.internal.codegen.KernelKind;
import org.e3spark.kernels.internal.codegen.PlannerTuning;

/**
 * The fused convolution (SPEC §6) on one NVIDIA GPU: generated kernels walk work items of the
 * graph's sorted edges ({@link DeviceConvGraph}), gather sender rows, and sum messages into each
 * receiver without materializing them.
 * <ul>
 *   <li>{@link ConvMode#DETERMINISTIC}: every sum has a fixed order: within a work item in the
 *       graph's canonical edge order, and across the items of a node (hubs are cut into several)
 *       by an ordered second pass over per-item partial rows; shared-weight gradients are summed
 *       per warp, then the warps' rows in order. Bit-identical run after run and for any edge order
 *       of the same graph; no symmetry assumed.</li>
 *   <li>{@link ConvMode#ATOMIC}: the same kernels, but the items of a cut node add into its row
 *       with atomics (no second pass), and shared-weight gradients go through per-block atomics.</li>
 * </ul>
 * Two ways in, as for {@link CudaTensorProduct}: the host API (arrays, staged on this instance's
 * stream; prepared graphs are cached per {@link ConvGraph} instance, a few at a time, and freed on
 * close), and the device-resident API taking {@link DeviceBuffer}s, a {@link DeviceConvGraph} and
 * the caller's stream. The device-resident calls of one instance share a scratch workspace: issue
 * them on one stream, or order them yourself.
 */
public final class CudaTensorProductConv extends TensorProductConvBase implements DeviceTensorProductConv {

    private static final int PREPARED_GRAPHS = 4;
    private static final int REDUCE_THREADS = 256;

    /** Scratch buffers of one call: index 0 partial node rows, index 1 shared-weight gradient rows. */
    private interface Scratch {
        DeviceBuffer get(int index, long bytes);
    }

    private final CudaDevice device;
    private final TensorProductModule kernels;
    private final DeviceAllocator allocator;
    private final GpuStream stream;
    private final InstanceResources<TensorProductModule> resources;
    private final DeviceBuffer[] workspace = new DeviceBuffer[2];
    private final Map<ConvGraph, DeviceConvGraph> prepared = new LinkedHashMap<>(8, 0.75f, true);

    private CudaTensorProductConv(TPProblem problem, DType dtype, ConvMode mode, CudaDevice device,
                                  PlannerTuning tuning) {
        super(problem, dtype, mode);
        this.device = device;
        this.resources = new InstanceResources<>(device, "tensor-product-conv",
                () -> new TensorProductModule(problem, dtype, device, true, tuning));
        this.kernels = resources.kernels;
        this.allocator = resources.allocator;
        this.stream = resources.stream;
    }

    /** On the default device ({@link CudaRuntime#defaultDevice()}). */
    public static CudaTensorProductConv create(TPProblem problem, DType dtype, ConvMode mode) {
        return create(problem, dtype, mode, CudaRuntime.defaultDevice());
    }

    /** On the given device; kernels are compiled for that device's architecture. */
    public static CudaTensorProductConv create(TPProblem problem, DType dtype, ConvMode mode, CudaDevice device) {
        if (dtype == null) {
            throw new IllegalArgumentException("dtype must not be null");
        }
        return create(problem, dtype, mode, device, PlannerTuning.convolutionDefault(dtype));
    }

    /** With explicit planner budgets (for sweeps); results do not depend on them. */
    public static CudaTensorProductConv create(TPProblem problem, DType dtype, ConvMode mode, CudaDevice device,
                                               PlannerTuning tuning) {
        if (problem == null || dtype == null || mode == null || device == null || tuning == null) {
            throw new IllegalArgumentException("problem, dtype, mode, device and tuning must not be null");
        }
        return new CudaTensorProductConv(problem, dtype, mode, device, tuning);
    }

    /** Compiles every convolution kernel of this problem and dtype into the kernel cache. */
    public static void precompile(TPProblem problem, DType dtype, CudaDevice device) {
        TensorProductModule.precompile(problem, dtype, device, true, PlannerTuning.convolutionDefault(dtype));
    }

    @Override
    public Backend backend() {
        return Backend.CUDA;
    }

    public CudaDevice device() {
        return device;
    }

    /** The generated CUDA source of the kernel groups loaded so far. */
    public String kernelSource() {
        return kernels.source();
    }

    /** Uploads a graph for the device-resident API; the caller owns (and closes) the result. */
    public DeviceConvGraph prepare(ConvGraph graph) {
        return DeviceConvGraph.upload(graph, device);
    }

    // ------------------------------------------------------------------ device-resident API

    /** out[i] = sum over edges e into i of TP(x[sender e], y[e], w[e]); every row of out written. */
    public void forward(DeviceBuffer x, DeviceBuffer y, DeviceBuffer w, DeviceBuffer out, DeviceConvGraph graph,
                        GpuStream on) {
        forward(x, y, w, out, graph, on, this::workspace);
    }

    /**
     * (gx, gy, gw) = gradients of sum(out * gout): gx per node (gathered to senders), gy and per-edge
     * gw per edge, shared gw summed. Any of gx, gy, gw may be null when not wanted.
     */
    public void backward(DeviceBuffer x, DeviceBuffer y, DeviceBuffer w, DeviceBuffer gout, DeviceBuffer gx,
                         DeviceBuffer gy, DeviceBuffer gw, DeviceConvGraph graph, GpuStream on) {
        backward(x, y, w, gout, gx, gy, gw, graph, on, this::workspace);
    }

    /** Double backward (SPEC §5) with seeds (dx per node, dy and dw per edge), as {@link CudaTensorProduct}. */
    public void doubleBackward(DeviceBuffer x, DeviceBuffer y, DeviceBuffer w, DeviceBuffer gout,
                               DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer dw, DeviceBuffer ddx, DeviceBuffer ddy,
                               DeviceBuffer ddw, DeviceBuffer ddgout, DeviceConvGraph graph, GpuStream on) {
        doubleBackward(x, y, w, gout, dx, dy, dw, ddx, ddy, ddw, ddgout, graph, on, this::workspace);
    }

    private void forward(DeviceBuffer x, DeviceBuffer y, DeviceBuffer w, DeviceBuffer out, DeviceConvGraph graph,
                         GpuStream on, Scratch scratch) {
        checkCall(graph, on);
        nodes(graph).input("x", x, problem.in1().dim()).output("out", out, problem.out().dim());
        edges(graph).input("y", y, problem.in2().dim()).weights("w", w);
        zero(out, on);
        forwardPass(KernelKind.FORWARD, x, y, w, out, graph, on, scratch);
    }

    private void backward(DeviceBuffer x, DeviceBuffer y, DeviceBuffer w, DeviceBuffer gout, DeviceBuffer gx,
                          DeviceBuffer gy, DeviceBuffer gw, DeviceConvGraph graph, GpuStream on, Scratch scratch) {
        checkCall(graph, on);
        nodes(graph).input("x", x, problem.in1().dim()).input("gradOut", gout, problem.out().dim())
                .optionalOutput("gx", gx, problem.in1().dim());
        edges(graph).input("y", y, problem.in2().dim()).weights("w", w)
                .optionalOutput("gy", gy, problem.in2().dim()).optionalWeights("gw", gw);
        zero(gx, on);
        if (problem.sharedWeights() || graph.numEdges() == 0) {
            zero(gw, on);
        }
        backwardPass(KernelKind.BACKWARD, x, y, w, gout, gx, gy, gw, graph, on, scratch);
    }

    private void doubleBackward(DeviceBuffer x, DeviceBuffer y, DeviceBuffer w, DeviceBuffer gout,
                                DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer dw, DeviceBuffer ddx, DeviceBuffer ddy,
                                DeviceBuffer ddw, DeviceBuffer ddgout, DeviceConvGraph graph, GpuStream on,
                                Scratch scratch) {
        checkCall(graph, on);
        nodes(graph).input("x", x, problem.in1().dim()).input("gradOut", gout, problem.out().dim())
                .input("dx", dx, problem.in1().dim()).output("ddx", ddx, problem.in1().dim())
                .output("ddgradOut", ddgout, problem.out().dim());
        edges(graph).input("y", y, problem.in2().dim()).weights("w", w).input("dy", dy, problem.in2().dim())
                .weights("dw", dw).output("ddy", ddy, problem.in2().dim()).weights("ddw", ddw);
        for (DeviceBuffer b : new DeviceBuffer[] {ddx, ddy, ddw, ddgout}) {
            zero(b, on);
        }
        KernelKind bwd = KernelKind.BACKWARD_ACCUMULATE;
        // ddx += bwd_x(dy, W, g), ddy += bwd_y(dx, W, g)
        backwardPass(bwd, dx, dy, w, gout, ddx, ddy, null, graph, on, scratch);
        // ddx += bwd_x(y, dw, g), ddy += bwd_y(x, dw, g)
        backwardPass(KernelKind.BACKWARD_WEIGHT_TANGENT, x, y, dw, gout, ddx, ddy, null, graph, on, scratch);
        // ddw += bwd_W(dx, y, g) + bwd_W(x, dy, g)
        backwardPass(bwd, dx, y, w, gout, null, null, ddw, graph, on, scratch);
        backwardPass(bwd, x, dy, w, gout, null, null, ddw, graph, on, scratch);
        // ddgout = conv(dx, y, W) + conv(x, dy, W) + conv(x, y, dw)
        forwardPass(KernelKind.FORWARD_ACCUMULATE, dx, y, w, ddgout, graph, on, scratch);
        forwardPass(KernelKind.FORWARD_ACCUMULATE, x, dy, w, ddgout, graph, on, scratch);
        forwardPass(KernelKind.FORWARD_WEIGHT_TANGENT, x, y, dw, ddgout, graph, on, scratch);
    }

    private void forwardPass(KernelKind kind, DeviceBuffer x, DeviceBuffer y, DeviceBuffer w, DeviceBuffer out,
                             DeviceConvGraph graph, GpuStream on, Scratch scratch) {
        DeviceConvGraph.Side side = graph.receivers();
        if (side.itemCount() == 0 || out == null) {
            return;
        }
        int dim = problem.out().dim();
        DeviceBuffer partial = deterministic() && side.slots() > 0
                ? scratch.get(0, (long) side.slots() * dim * dtype.bytes()) : null;
        kernels.kernel(kind).launch(on, side.itemCount(), arg(x), arg(y), arg(w), out, arg(partial), side.items(),
                side.itemCount(), side.perm(), side.peer());
        if (partial != null) {
            reduceRows(partial, out, side, dim, on);
        }
    }

    private void backwardPass(KernelKind kind, DeviceBuffer x, DeviceBuffer y, DeviceBuffer w, DeviceBuffer gout,
                              DeviceBuffer gx, DeviceBuffer gy, DeviceBuffer gw, DeviceConvGraph graph, GpuStream on,
                              Scratch scratch) {
        DeviceConvGraph.Side side = graph.senders();
        if (side.itemCount() == 0 || (gx == null && gy == null && gw == null)) {
            return;
        }
        TensorProductModule.Kernel k = kernels.kernel(kind);
        int dim = problem.in1().dim();
        DeviceBuffer partial = deterministic() && gx != null && side.slots() > 0
                ? scratch.get(0, (long) side.slots() * dim * dtype.bytes()) : null;
        DeviceBuffer gwPartial = null;
        int gwRows = 0;
        if (deterministic() && gw != null && problem.sharedWeights() && problem.weightNumel() > 0
                && !kind.weightTangent()) {
            gwRows = k.gridFor(side.itemCount()) * k.plan().rowsPerBlock();
            gwPartial = scratch.get(1, (long) gwRows * problem.weightNumel() * dtype.bytes());
            gwPartial.memsetZeroAsync(on);
        }
        k.launch(on, side.itemCount(), arg(x), arg(y), arg(w), arg(gout), arg(gx), arg(gy), arg(gw), arg(partial),
                arg(gwPartial), side.items(), side.itemCount(), side.perm(), side.peer());
        if (partial != null) {
            reduceRows(partial, gx, side, dim, on);
        }
        if (gwPartial != null) {
            int n = problem.weightNumel();
            int grid = Math.max(1, Math.min((n + REDUCE_THREADS - 1) / REDUCE_THREADS, 8 * device.multiprocessorCount()));
            kernels.reduceAll().launch(LaunchConfig.linear(grid, REDUCE_THREADS, 0), on, gwPartial, gw, gwRows, n);
        }
    }

    private void reduceRows(DeviceBuffer partial, DeviceBuffer dst, DeviceConvGraph.Side side, int dim, GpuStream on) {
        long elements = (long) side.groupCount() * dim;
        int grid = (int) Math.max(1, Math.min((elements + REDUCE_THREADS - 1) / REDUCE_THREADS,
                8L * device.multiprocessorCount()));
        kernels.reduceRows().launch(LaunchConfig.linear(grid, REDUCE_THREADS, 0), on, partial, dst, side.groups(),
                side.groupCount(), dim);
    }

    private boolean deterministic() {
        return mode == ConvMode.DETERMINISTIC;
    }

    private static void zero(DeviceBuffer b, GpuStream on) {
        if (b != null) {
            b.memsetZeroAsync(on);
        }
    }

    /** A device pointer argument: the buffer, or a null pointer for an absent or empty operand. */
    private static Object arg(DeviceBuffer b) {
        return b == null ? (Object) 0L : b;
    }

    /** The device-resident API's scratch: grown on demand, kept until close. */
    private synchronized DeviceBuffer workspace(int index, long bytes) {
        DeviceBuffer b = workspace[index];
        if (b == null || b.byteSize() < bytes) {
            if (b != null) {
                device.synchronize(); // a launch still in flight may read the old buffer
                b.close();
            }
            b = allocator.allocate(bytes);
            workspace[index] = b;
        }
        return b;
    }

    private void checkCall(DeviceConvGraph graph, GpuStream on) {
        if (isClosed()) {
            throw new IllegalStateException("CUDA convolution for " + problem + " is closed");
        }
        if (graph == null) {
            throw new IllegalArgumentException("graph must not be null");
        }
        if (graph.device() != device || on == null || on.device() != device) {
            throw new IllegalArgumentException("the graph and the stream must belong to this convolution's device "
                    + device.ordinal() + " (" + device.name() + ")");
        }
    }

    private BufferChecks nodes(DeviceConvGraph graph) {
        return new BufferChecks(problem, dtype, graph.numNodes(), device);
    }

    private BufferChecks edges(DeviceConvGraph graph) {
        return new BufferChecks(problem, dtype, graph.numEdges(), device);
    }

    // ------------------------------------------------------------------ host API

    /** The cached device copy of a host graph (kept per instance, the least recently used freed). */
    private DeviceConvGraph preparedFor(ConvGraph graph) {
        DeviceConvGraph g = prepared.get(graph);
        if (g == null) {
            g = DeviceConvGraph.upload(graph, device);
            prepared.put(graph, g);
            if (prepared.size() > PREPARED_GRAPHS) {
                var eldest = prepared.entrySet().iterator().next();
                stream.synchronize();
                eldest.getValue().close();
                prepared.remove(eldest.getKey());
            }
        }
        return g;
    }

    private long nodeBytes(ConvGraph g, int dim) {
        return (long) g.numNodes() * dim * dtype.bytes();
    }

    @Override
    protected synchronized double[] computeForward(double[] x, double[] y, double[] w, ConvGraph graph) {
        try (Staging s = new Staging(allocator, stream)) {
            DeviceBuffer out = s.output(nodeBytes(graph, problem.out().dim()));
            forward(s.upload(x), s.upload(y), s.upload(w), out, preparedFor(graph), stream, (i, n) -> s.output(n));
            return s.downloadDoubles(out);
        }
    }

    @Override
    protected synchronized float[] computeForward(float[] x, float[] y, float[] w, ConvGraph graph) {
        try (Staging s = new Staging(allocator, stream)) {
            DeviceBuffer out = s.output(nodeBytes(graph, problem.out().dim()));
            forward(s.upload(x), s.upload(y), s.upload(w), out, preparedFor(graph), stream, (i, n) -> s.output(n));
            return s.downloadFloats(out);
        }
    }

    @Override
    protected synchronized Gradients computeBackward(double[] x, double[] y, double[] w, ConvGraph graph, double[] g) {
        try (Staging s = new Staging(allocator, stream)) {
            DeviceBuffer gx = s.output(x.length * 8L);
            DeviceBuffer gy = s.output(y.length * 8L);
            DeviceBuffer gw = s.output(w.length * 8L);
            backward(s.upload(x), s.upload(y), s.upload(w), s.upload(g), gx, gy, gw, preparedFor(graph), stream,
                    (i, n) -> s.output(n));
            return new Gradients(s.downloadDoubles(gx), s.downloadDoubles(gy), s.downloadDoubles(gw));
        }
    }

    @Override
    protected synchronized GradientsF32 computeBackward(float[] x, float[] y, float[] w, ConvGraph graph, float[] g) {
        try (Staging s = new Staging(allocator, stream)) {
            DeviceBuffer gx = s.output(x.length * 4L);
            DeviceBuffer gy = s.output(y.length * 4L);
            DeviceBuffer gw = s.output(w.length * 4L);
            backward(s.upload(x), s.upload(y), s.upload(w), s.upload(g), gx, gy, gw, preparedFor(graph), stream,
                    (i, n) -> s.output(n));
            return new GradientsF32(s.downloadFloats(gx), s.downloadFloats(gy), s.downloadFloats(gw));
        }
    }

    @Override
    protected synchronized DoubleGradients computeDoubleBackward(double[] x, double[] y, double[] w, ConvGraph graph,
                                                                 double[] g, double[] a, double[] b, double[] c) {
        try (Staging s = new Staging(allocator, stream)) {
            DeviceBuffer ddx = s.output(x.length * 8L);
            DeviceBuffer ddy = s.output(y.length * 8L);
            DeviceBuffer ddw = s.output(w.length * 8L);
            DeviceBuffer ddg = s.output(g.length * 8L);
            doubleBackward(s.upload(x), s.upload(y), s.upload(w), s.upload(g), s.upload(a), s.upload(b), s.upload(c),
                    ddx, ddy, ddw, ddg, preparedFor(graph), stream, (i, n) -> s.output(n));
            return new DoubleGradients(s.downloadDoubles(ddx), s.downloadDoubles(ddy), s.downloadDoubles(ddw),
                    s.downloadDoubles(ddg));
        }
    }

    @Override
    protected synchronized DoubleGradientsF32 computeDoubleBackward(float[] x, float[] y, float[] w, ConvGraph graph,
                                                                    float[] g, float[] a, float[] b, float[] c) {
        try (Staging s = new Staging(allocator, stream)) {
            DeviceBuffer ddx = s.output(x.length * 4L);
            DeviceBuffer ddy = s.output(y.length * 4L);
            DeviceBuffer ddw = s.output(w.length * 4L);
            DeviceBuffer ddg = s.output(g.length * 4L);
            doubleBackward(s.upload(x), s.upload(y), s.upload(w), s.upload(g), s.upload(a), s.upload(b), s.upload(c),
                    ddx, ddy, ddw, ddg, preparedFor(graph), stream, (i, n) -> s.output(n));
            return new DoubleGradientsF32(s.downloadFloats(ddx), s.downloadFloats(ddy), s.downloadFloats(ddw),
                    s.downloadFloats(ddg));
        }
    }

    /** Frees cached graphs, the workspace, the module, this instance's stream and allocator. */
    @Override
    public synchronized void close() {
        if (isClosed()) {
            return;
        }
        super.close();
        try {
            stream.synchronize();
            prepared.values().forEach(DeviceConvGraph::close);
            prepared.clear();
            for (int i = 0; i < workspace.length; i++) {
                if (workspace[i] != null) {
                    workspace[i].close();
                    workspace[i] = null;
                }
            }
        } finally {
            resources.close();
        }
    }
}
