package org.e3spark.kernels.cuda;

import org.e3spark.kernels.gpu.DeviceTensorProduct;

import org.e3spark.kernels.gpu.GpuStream;

import org.e3spark.kernels.gpu.DeviceAllocator;
import org.e3spark.kernels.gpu.DeviceBuffer;
import org.e3spark.kernels.Backend;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.DoubleGradients;
import org.e3spark.kernels.DoubleGradientsF32;
import org.e3spark.kernels.Gradients;
import org.e3spark.kernels.GradientsF32;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.internal.TensorProductBase;
import org.e3spark.kernels.internal.codegen.KernelKind;

/**
 * A tensor product on one NVIDIA GPU, with kernels generated for its problem and compiled for the
 * device's own architecture. Two ways in:
 * <ul>
 *   <li>the host API of {@link org.e3spark.kernels.TensorProduct} (arrays in, arrays out): each call
 *       stages operands in device memory from this instance's own allocator and runs on this
 *       instance's own stream, so two instances never share scratch and may run concurrently;</li>
 *   <li>the device-resident API for pipelines: {@link DeviceBuffer}s in and out, launched on a
 *       caller-given {@link GpuStream}, asynchronous, nothing copied to the host.</li>
 * </ul>
 * Buffers hold rows in the problem's layout, weights in e3nn's flat order (SPEC §4). Outputs that
 * a kernel accumulates into are zeroed by this class first.
 */
public final class CudaTensorProduct extends TensorProductBase implements DeviceTensorProduct {

    private final CudaDevice device;
    private final TensorProductModule kernels;
    private final DeviceAllocator allocator;
    private final GpuStream stream;
    private final InstanceResources<TensorProductModule> resources;

    private CudaTensorProduct(TPProblem problem, DType dtype, CudaDevice device) {
        super(problem, dtype);
        this.device = device;
        this.resources = new InstanceResources<>(device, "tensor-product",
                () -> new TensorProductModule(problem, dtype, device));
        this.kernels = resources.kernels;
        this.allocator = resources.allocator;
        this.stream = resources.stream;
    }

    /** On the default device ({@link CudaRuntime#defaultDevice()}). */
    public static CudaTensorProduct create(TPProblem problem, DType dtype) {
        return new CudaTensorProduct(problem, dtype, CudaRuntime.defaultDevice());
    }

    /** On the given device; kernels are compiled for that device's architecture. */
    public static CudaTensorProduct create(TPProblem problem, DType dtype, CudaDevice device) {
        return new CudaTensorProduct(problem, dtype, device);
    }

    /**
     * Compiles (into the kernel cache) every kernel this problem and dtype will need on the device,
     * without creating an instance; safe to call from several threads for different problems.
     */
    public static void precompile(TPProblem problem, DType dtype, CudaDevice device) {
        TensorProductModule.precompile(problem, dtype, device);
    }

    @Override
    public Backend backend() {
        return Backend.CUDA;
    }

    public CudaDevice device() {
        return device;
    }

    /** The generated CUDA source (for inspection and bug reports). */
    public String kernelSource() {
        return kernels.source();
    }

    // ------------------------------------------------------------------ device-resident API

    /** out = TP(x, y, w), every element of out written; asynchronous on {@code on}. */
    public void forward(DeviceBuffer x, DeviceBuffer y, DeviceBuffer w, DeviceBuffer out, int batch, GpuStream on) {
        BufferChecks ops = checked(batch, on);
        ops.input("x", x, problem.in1().dim()).input("y", y, problem.in2().dim()).weights("w", w)
                .output("out", out, problem.out().dim());
        if (batch == 0) {
            return;
        }
        kernels.kernel(KernelKind.FORWARD).launch(on, batch, arg(x), arg(y), arg(w), arg(out), batch);
    }

    /**
     * (gx, gy, gw) = gradients of sum(out * gout); any of gx, gy, gw may be null when not wanted.
     * Shared-weight gradients are summed over the batch.
     */
    public void backward(DeviceBuffer x, DeviceBuffer y, DeviceBuffer w, DeviceBuffer gout,
                         DeviceBuffer gx, DeviceBuffer gy, DeviceBuffer gw, int batch, GpuStream on) {
        BufferChecks ops = checked(batch, on);
        ops.input("x", x, problem.in1().dim()).input("y", y, problem.in2().dim()).weights("w", w)
                .input("gradOut", gout, problem.out().dim());
        ops.optionalOutput("gx", gx, problem.in1().dim()).optionalOutput("gy", gy, problem.in2().dim())
                .optionalWeights("gw", gw);
        TensorProductModule.Kernel k = kernels.kernel(KernelKind.BACKWARD);
        if (gw != null && (k.mustZero("gw") || batch == 0)) {
            gw.memsetZeroAsync(on);
        }
        if (batch == 0) {
            return;
        }
        k.launch(on, batch, arg(x), arg(y), arg(w), arg(gout), arg(gx), arg(gy), arg(gw), batch);
    }

    /**
     * Double backward (SPEC §5) with seeds (dx, dy, dw): writes the gradients with respect to x, y, w
     * and gradOut of sum(gx * dx) + sum(gy * dy) + sum(gw * dw), composed from accumulating passes.
     */
    public void doubleBackward(DeviceBuffer x, DeviceBuffer y, DeviceBuffer w, DeviceBuffer gout,
                               DeviceBuffer dx, DeviceBuffer dy, DeviceBuffer dw,
                               DeviceBuffer ddx, DeviceBuffer ddy, DeviceBuffer ddw, DeviceBuffer ddgout,
                               int batch, GpuStream on) {
        BufferChecks ops = checked(batch, on);
        ops.input("x", x, problem.in1().dim()).input("y", y, problem.in2().dim()).weights("w", w)
                .input("gradOut", gout, problem.out().dim());
        ops.input("dx", dx, problem.in1().dim()).input("dy", dy, problem.in2().dim()).weights("dw", dw);
        ops.output("ddx", ddx, problem.in1().dim()).output("ddy", ddy, problem.in2().dim()).weights("ddw", ddw)
                .output("ddgradOut", ddgout, problem.out().dim());
        for (DeviceBuffer b : new DeviceBuffer[] {ddx, ddy, ddw, ddgout}) {
            if (b != null) {
                b.memsetZeroAsync(on);
            }
        }
        if (batch == 0) {
            return;
        }
        TensorProductModule.Kernel bwd = kernels.kernel(KernelKind.BACKWARD_ACCUMULATE);
        TensorProductModule.Kernel bwdTangent = kernels.kernel(KernelKind.BACKWARD_WEIGHT_TANGENT);
        TensorProductModule.Kernel fwd = kernels.kernel(KernelKind.FORWARD_ACCUMULATE);
        TensorProductModule.Kernel fwdTangent = kernels.kernel(KernelKind.FORWARD_WEIGHT_TANGENT);
        long none = 0L;
        // ddx += bwd_x(b, W, g), ddy += bwd_y(a, W, g)
        bwd.launch(on, batch, arg(dx), arg(dy), arg(w), arg(gout), arg(ddx), arg(ddy), none, batch);
        // ddx += bwd_x(y, c, g), ddy += bwd_y(x, c, g)
        bwdTangent.launch(on, batch, arg(x), arg(y), arg(dw), arg(gout), arg(ddx), arg(ddy), none, batch);
        // ddW += bwd_W(a, y, g) + bwd_W(x, b, g)
        bwd.launch(on, batch, arg(dx), arg(y), arg(w), arg(gout), none, none, arg(ddw), batch);
        bwd.launch(on, batch, arg(x), arg(dy), arg(w), arg(gout), none, none, arg(ddw), batch);
        // ddg = TP(a, y, W) + TP(x, b, W) + TP(x, y, c)
        fwd.launch(on, batch, arg(dx), arg(y), arg(w), arg(ddgout), batch);
        fwd.launch(on, batch, arg(x), arg(dy), arg(w), arg(ddgout), batch);
        fwdTangent.launch(on, batch, arg(x), arg(y), arg(dw), arg(ddgout), batch);
    }

    /** A device pointer argument: the buffer, or a null pointer for an absent or empty operand. */
    private static Object arg(DeviceBuffer b) {
        return b == null ? (Object) 0L : b;
    }

    private BufferChecks checked(int batch, GpuStream on) {
        if (isClosed()) {
            throw new IllegalStateException("CUDA tensor product for " + problem + " is closed");
        }
        if (batch < 0) {
            throw new IllegalArgumentException("batch must be >= 0, got " + batch);
        }
        if (on == null || on.device() != device) {
            throw new IllegalArgumentException("the stream must belong to this tensor product's device "
                    + device.ordinal() + " (" + device.name() + ")");
        }
        return new BufferChecks(problem, dtype, batch, device);
    }

    // ------------------------------------------------------------------ host API

    @Override
    protected double[] computeForward(double[] x, double[] y, double[] w, int batch) {
        try (Staging s = new Staging(allocator, stream)) {
            DeviceBuffer out = s.output(rows(batch, problem.out().dim()));
            forward(s.upload(x), s.upload(y), s.upload(w), out, batch, stream);
            return s.downloadDoubles(out);
        }
    }

    @Override
    protected float[] computeForward(float[] x, float[] y, float[] w, int batch) {
        try (Staging s = new Staging(allocator, stream)) {
            DeviceBuffer out = s.output(rows(batch, problem.out().dim()));
            forward(s.upload(x), s.upload(y), s.upload(w), out, batch, stream);
            return s.downloadFloats(out);
        }
    }

    @Override
    protected Gradients computeBackward(double[] x, double[] y, double[] w, double[] g, int batch) {
        try (Staging s = new Staging(allocator, stream)) {
            DeviceBuffer gx = s.output(x.length * 8L);
            DeviceBuffer gy = s.output(y.length * 8L);
            DeviceBuffer gw = s.output(w.length * 8L);
            backward(s.upload(x), s.upload(y), s.upload(w), s.upload(g), gx, gy, gw, batch, stream);
            return new Gradients(s.downloadDoubles(gx), s.downloadDoubles(gy), s.downloadDoubles(gw));
        }
    }

    @Override
    protected GradientsF32 computeBackward(float[] x, float[] y, float[] w, float[] g, int batch) {
        try (Staging s = new Staging(allocator, stream)) {
            DeviceBuffer gx = s.output(x.length * 4L);
            DeviceBuffer gy = s.output(y.length * 4L);
            DeviceBuffer gw = s.output(w.length * 4L);
            backward(s.upload(x), s.upload(y), s.upload(w), s.upload(g), gx, gy, gw, batch, stream);
            return new GradientsF32(s.downloadFloats(gx), s.downloadFloats(gy), s.downloadFloats(gw));
        }
    }

    @Override
    protected DoubleGradients computeDoubleBackward(double[] x, double[] y, double[] w, double[] g,
                                                    double[] a, double[] b, double[] c, int batch) {
        try (Staging s = new Staging(allocator, stream)) {
            DeviceBuffer ddx = s.output(x.length * 8L);
            DeviceBuffer ddy = s.output(y.length * 8L);
            DeviceBuffer ddw = s.output(w.length * 8L);
            DeviceBuffer ddg = s.output(g.length * 8L);
            doubleBackward(s.upload(x), s.upload(y), s.upload(w), s.upload(g), s.upload(a), s.upload(b), s.upload(c),
                    ddx, ddy, ddw, ddg, batch, stream);
            return new DoubleGradients(s.downloadDoubles(ddx), s.downloadDoubles(ddy), s.downloadDoubles(ddw),
                    s.downloadDoubles(ddg));
        }
    }

    @Override
    protected DoubleGradientsF32 computeDoubleBackward(float[] x, float[] y, float[] w, float[] g,
                                                       float[] a, float[] b, float[] c, int batch) {
        try (Staging s = new Staging(allocator, stream)) {
            DeviceBuffer ddx = s.output(x.length * 4L);
            DeviceBuffer ddy = s.output(y.length * 4L);
            DeviceBuffer ddw = s.output(w.length * 4L);
            DeviceBuffer ddg = s.output(g.length * 4L);
            doubleBackward(s.upload(x), s.upload(y), s.upload(w), s.upload(g), s.upload(a), s.upload(b), s.upload(c),
                    ddx, ddy, ddw, ddg, batch, stream);
            return new DoubleGradientsF32(s.downloadFloats(ddx), s.downloadFloats(ddy), s.downloadFloats(ddw),
                    s.downloadFloats(ddg));
        }
    }

    private long rows(int batch, int dim) {
        return (long) batch * dim * dtype.bytes();
    }

    /** Frees the module, this instance's stream and allocator (which reports anything left over). */
    @Override
    public void close() {
        if (isClosed()) {
            return;
        }
        super.close();
        resources.close();
    }
}
