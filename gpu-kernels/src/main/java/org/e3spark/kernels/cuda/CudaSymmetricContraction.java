package org.e3spark.kernels.cuda;

import org.e3spark.kernels.gpu.DeviceSymmetricContraction;

import org.e3spark.kernels.gpu.GpuStream;

import org.e3spark.kernels.gpu.DeviceAllocator;
import org.e3spark.kernels.gpu.DeviceBuffer;
import org.e3spark.kernels.Backend;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.SymmetricContractionProblem;
import org.e3spark.kernels.BackendUnavailableException;
import org.e3spark.kernels.internal.SymmetricContractionBase;
import org.e3spark.kernels.internal.codegen.ScKernel;
import org.e3spark.kernels.internal.codegen.SymmetricContractionPlan;

/**
 * MACE's symmetric contraction on one NVIDIA GPU, with kernels generated for its problem
 * ({@link org.e3spark.kernels.internal.codegen.SymmetricContractionEmitter}) and compiled for the
 * device's architecture through the kernel cache. Two ways in:
 * <ul>
 *   <li>the host API of {@link org.e3spark.kernels.SymmetricContraction} (arrays in and out; sizes
 *       and species checked by the base class before anything is staged), on this instance's stream;</li>
 *   <li>the device-resident API for pipelines: {@link DeviceBuffer}s in and out (species as a device
 *       buffer of {@code int}), launched asynchronously on a caller's {@link GpuStream}.</li>
 * </ul>
 * Every element of every output buffer is written (no zeroing needed). Float32 computes in float32,
 * float64 in float64. The device-resident API does not read species back: the caller validates them
 * (0 &lt;= species[n] &lt; elements). A row with a bad species reads no weights, gets zeros in out and gx
 * and adds nothing to the weight gradient, so a bad species never reads or writes out of bounds.
 *
 * <p>Weight gradients are reduced deterministically (per-segment partial rows, then an ordered sum)
 * in a workspace this instance owns and grows on demand: device-resident backward or double-backward
 * calls on one instance must not overlap on two streams (the host API always runs on the instance's
 * own stream). Buffers must be whole allocations (16-byte aligned, as every {@link DeviceBuffer} is):
 * x rows are read with vector loads.
 */
public final class CudaSymmetricContraction extends SymmetricContractionBase implements DeviceSymmetricContraction {

    private final CudaDevice device;
    private final SymmetricContractionPlan plan;
    private final SymmetricContractionModule kernels;
    private final DeviceAllocator allocator;
    private final GpuStream stream;
    private final InstanceResources<SymmetricContractionModule> resources;
    private DeviceBuffer partial;
    private DeviceBuffer slots;

    private CudaSymmetricContraction(SymmetricContractionProblem problem, DType dtype, CudaDevice device) {
        super(problem, dtype);
        this.device = device;
        this.plan = planOf(problem);
        this.resources = new InstanceResources<>(device, "symmetric-contraction",
                () -> new SymmetricContractionModule(plan, dtype, device));
        this.kernels = resources.kernels;
        this.allocator = resources.allocator;
        this.stream = resources.stream;
    }

    private static SymmetricContractionPlan planOf(SymmetricContractionProblem problem) {
        if (problem == null) {
            throw new IllegalArgumentException("problem must not be null");
        }
        SymmetricContractionPlan plan = SymmetricContractionPlan.of(problem);
        if (!plan.unrollable()) {
            throw new BackendUnavailableException("the CUDA symmetric contraction unrolls at most "
                    + SymmetricContractionPlan.MAX_UNROLLED_TERMS + " polynomial terms; " + problem + " has "
                    + plan.terms() + " (use Backend.CPU)");
        }
        return plan;
    }

    /** On the default device ({@link CudaRuntime#defaultDevice()}). */
    public static CudaSymmetricContraction create(SymmetricContractionProblem problem, DType dtype) {
        planOf(problem);
        try {
            return new CudaSymmetricContraction(problem, dtype, CudaRuntime.defaultDevice());
        } catch (BackendUnavailableException e) {
            throw new BackendUnavailableException("CUDA symmetric contraction unavailable for " + problem + ": "
                    + e.getMessage(), e);
        }
    }

    /** On the given device. */
    public static CudaSymmetricContraction create(SymmetricContractionProblem problem, DType dtype, CudaDevice device) {
        return new CudaSymmetricContraction(problem, dtype, device);
    }

    /** Compiles every kernel group of the problem and dtype into the kernel cache, loading nothing. */
    public static void precompile(SymmetricContractionProblem problem, DType dtype, CudaDevice device) {
        SymmetricContractionModule.precompile(planOf(problem), dtype, device);
    }

    @Override
    public Backend backend() {
        return Backend.CUDA;
    }

    public CudaDevice device() {
        return device;
    }

    /** The generated source of every group compiled so far. */
    public String kernelSource() {
        return kernels.source();
    }

    /** The kernels' plan (terms, pairs, chunks). */
    public SymmetricContractionPlan plan() {
        return plan;
    }

    // ------------------------------------------------------------------ device-resident API

    /** out = SC(x, species, w), every element written; asynchronous on {@code on}. */
    public void forward(DeviceBuffer x, DeviceBuffer species, DeviceBuffer w, DeviceBuffer out, int batch,
                        GpuStream on) {
        check(batch, on);
        rows("x", x, batch, problem.inputDim());
        ints("species", species, batch);
        weights("w", w, false);
        rows("out", out, batch, problem.outputDim());
        if (batch == 0) {
            return;
        }
        kernels.kernel(ScKernel.Group.FORWARD, ScKernel.FORWARD).launch(on, (long) batch * problem.channels(),
                x, species, w, out, batch);
    }

    /**
     * gx = dL/dx and gw = dL/dw (summed over rows) for L = sum(out * gradOut); either may be null
     * when not wanted. Every element of the given outputs written.
     */
    public void backward(DeviceBuffer x, DeviceBuffer species, DeviceBuffer w, DeviceBuffer gradOut,
                         DeviceBuffer gx, DeviceBuffer gw, int batch, GpuStream on) {
        check(batch, on);
        rows("x", x, batch, problem.inputDim());
        ints("species", species, batch);
        weights("w", w, false);
        rows("gradOut", gradOut, batch, problem.outputDim());
        optionalRows("gx", gx, batch, problem.inputDim());
        weights("gw", gw, true);
        if (gw != null && batch == 0) {
            gw.memsetZeroAsync(on);
        }
        if (batch == 0) {
            return;
        }
        long items = (long) batch * problem.channels();
        if (gx != null) {
            kernels.kernel(ScKernel.Group.BACKWARD, ScKernel.BACKWARD_X).launch(on, items, x, species, w, gradOut, gx,
                    batch);
        }
        if (gw != null) {
            synchronized (this) {
                ensureWorkspace(batch);
                kernels.kernel(ScKernel.Group.BACKWARD, ScKernel.WEIGHT_PARTIALS).launch(on,
                        (long) SymmetricContractionPlan.segments(batch) * problem.channels(), x, species, gradOut,
                        partial, slots, batch);
                kernels.kernel(ScKernel.Group.BACKWARD, ScKernel.WEIGHT_REDUCE).launch(on, problem.weightNumel(),
                        partial, slots, gw, batch);
            }
        }
    }

    /**
     * Double backward with seeds (dx, dw): the gradients with respect to x, w and gradOut of
     * sum(gx * dx) + sum(gw * dw), (gx, gw) = backward(x, species, w, gradOut). Every element written.
     */
    public void doubleBackward(DeviceBuffer x, DeviceBuffer species, DeviceBuffer w, DeviceBuffer gradOut,
                               DeviceBuffer dx, DeviceBuffer dw, DeviceBuffer ggx, DeviceBuffer ggw,
                               DeviceBuffer ggOut, int batch, GpuStream on) {
        check(batch, on);
        rows("x", x, batch, problem.inputDim());
        ints("species", species, batch);
        weights("w", w, false);
        rows("gradOut", gradOut, batch, problem.outputDim());
        rows("dx", dx, batch, problem.inputDim());
        weights("dw", dw, false);
        rows("ggx", ggx, batch, problem.inputDim());
        weights("ggw", ggw, false);
        rows("ggOut", ggOut, batch, problem.outputDim());
        if (batch == 0) {
            ggw.memsetZeroAsync(on);
            return;
        }
        long items = (long) batch * problem.channels();
        ScKernel.Group g = ScKernel.Group.DOUBLE_BACKWARD;
        kernels.kernel(g, ScKernel.FORWARD_TANGENT).launch(on, items, x, dx, species, w, dw, ggOut, batch);
        kernels.kernel(g, ScKernel.BACKWARD_X_TANGENT).launch(on, items, x, dx, species, w, dw, gradOut, ggx, batch);
        synchronized (this) {
            ensureWorkspace(batch);
            kernels.kernel(g, ScKernel.WEIGHT_PARTIALS_TANGENT).launch(on,
                    (long) SymmetricContractionPlan.segments(batch) * problem.channels(), x, dx, species, gradOut,
                    partial, slots, batch);
            kernels.kernel(g, ScKernel.WEIGHT_REDUCE).launch(on, problem.weightNumel(), partial, slots, ggw, batch);
        }
    }

    /** Bytes of the weight-gradient workspace a batch needs (partial rows and the slot table). */
    public long workspaceBytes(int batch) {
        return plan.partialElements(batch) * dtype.bytes() + plan.slotTableInts(batch) * 4L;
    }

    private void ensureWorkspace(int batch) {
        long p = plan.partialElements(batch) * dtype.bytes();
        long s = plan.slotTableInts(batch) * 4L;
        if (partial != null && slots != null && partial.byteSize() >= p && slots.byteSize() >= s) {
            return;
        }
        // the old workspace may still be read by queued kernels on any stream
        device.synchronize();
        freeWorkspace();
        DeviceBuffer newPartial = allocator.allocate(Math.max(p, 1));
        try {
            slots = allocator.allocate(Math.max(s, 1));
        } catch (RuntimeException e) {
            newPartial.close();
            throw e;
        }
        partial = newPartial;
    }

    private void freeWorkspace() {
        DeviceBuffer p = partial;
        DeviceBuffer s = slots;
        partial = null;
        slots = null;
        try {
            if (p != null) {
                p.close();
            }
        } finally {
            if (s != null) {
                s.close();
            }
        }
    }

    private void check(int batch, GpuStream on) {
        if (isClosed()) {
            throw new IllegalStateException("CUDA symmetric contraction for " + problem + " is closed");
        }
        if (batch < 0) {
            throw new IllegalArgumentException("batch must be >= 0, got " + batch);
        }
        if (on == null || on.device() != device) {
            throw new IllegalArgumentException("the stream must belong to this symmetric contraction's device "
                    + device.ordinal() + " (" + device.name() + ")");
        }
    }

    private void rows(String name, DeviceBuffer b, int batch, int dim) {
        require(name, b, (long) batch * dim, dtype.bytes(), false);
    }

    private void optionalRows(String name, DeviceBuffer b, int batch, int dim) {
        require(name, b, (long) batch * dim, dtype.bytes(), true);
    }

    private void ints(String name, DeviceBuffer b, int batch) {
        require(name, b, batch, 4, false);
    }

    private void weights(String name, DeviceBuffer b, boolean optional) {
        require(name, b, problem.weightNumel(), dtype.bytes(), optional);
    }

    private void require(String name, DeviceBuffer b, long elements, int bytes, boolean optional) {
        if (b == null) {
            if (optional || elements == 0) {
                return;
            }
            throw new IllegalArgumentException(name + " must not be null: it needs " + elements + " elements of "
                    + bytes + " bytes for " + problem);
        }
        if (b.isClosed()) {
            throw new IllegalArgumentException(name + " is a closed device buffer");
        }
        if (b.device() != device) {
            throw new IllegalArgumentException(name + " lives on CUDA device " + b.device().ordinal()
                    + " but this symmetric contraction runs on device " + device.ordinal());
        }
        long needed = elements * bytes;
        if (b.byteSize() < needed) {
            throw new IllegalArgumentException(name + " holds " + b.byteSize() + " bytes; needs " + elements + " x "
                    + bytes + " = " + needed + " for " + problem);
        }
    }

    // ------------------------------------------------------------------ host API

    private long bytes(long elements) {
        return elements * dtype.bytes();
    }

    @Override
    protected double[] computeForward(double[] x, int[] species, double[] w, int batch) {
        try (Staging s = new Staging(allocator, stream)) {
            DeviceBuffer out = s.output(bytes((long) batch * problem.outputDim()));
            forward(s.upload(x), s.upload(species), s.upload(w), out, batch, stream);
            return s.downloadDoubles(out);
        }
    }

    @Override
    protected float[] computeForward(float[] x, int[] species, float[] w, int batch) {
        try (Staging s = new Staging(allocator, stream)) {
            DeviceBuffer out = s.output(bytes((long) batch * problem.outputDim()));
            forward(s.upload(x), s.upload(species), s.upload(w), out, batch, stream);
            return s.downloadFloats(out);
        }
    }

    @Override
    protected Gradients<double[]> computeBackward(double[] x, int[] species, double[] w, double[] g, int batch) {
        try (Staging s = new Staging(allocator, stream)) {
            DeviceBuffer gx = s.output(bytes(x.length));
            DeviceBuffer gw = s.output(bytes(w.length));
            backward(s.upload(x), s.upload(species), s.upload(w), s.upload(g), gx, gw, batch, stream);
            return new Gradients<>(s.downloadDoubles(gx), s.downloadDoubles(gw));
        }
    }

    @Override
    protected Gradients<float[]> computeBackward(float[] x, int[] species, float[] w, float[] g, int batch) {
        try (Staging s = new Staging(allocator, stream)) {
            DeviceBuffer gx = s.output(bytes(x.length));
            DeviceBuffer gw = s.output(bytes(w.length));
            backward(s.upload(x), s.upload(species), s.upload(w), s.upload(g), gx, gw, batch, stream);
            return new Gradients<>(s.downloadFloats(gx), s.downloadFloats(gw));
        }
    }

    @Override
    protected DoubleGradients<double[]> computeDoubleBackward(double[] x, int[] species, double[] w, double[] g,
                                                              double[] dx, double[] dw, int batch) {
        try (Staging s = new Staging(allocator, stream)) {
            DeviceBuffer ggx = s.output(bytes(x.length));
            DeviceBuffer ggw = s.output(bytes(w.length));
            DeviceBuffer ggo = s.output(bytes(g.length));
            doubleBackward(s.upload(x), s.upload(species), s.upload(w), s.upload(g), s.upload(dx), s.upload(dw), ggx,
                    ggw, ggo, batch, stream);
            return new DoubleGradients<>(s.downloadDoubles(ggx), s.downloadDoubles(ggw), s.downloadDoubles(ggo));
        }
    }

    @Override
    protected DoubleGradients<float[]> computeDoubleBackward(float[] x, int[] species, float[] w, float[] g,
                                                             float[] dx, float[] dw, int batch) {
        try (Staging s = new Staging(allocator, stream)) {
            DeviceBuffer ggx = s.output(bytes(x.length));
            DeviceBuffer ggw = s.output(bytes(w.length));
            DeviceBuffer ggo = s.output(bytes(g.length));
            doubleBackward(s.upload(x), s.upload(species), s.upload(w), s.upload(g), s.upload(dx), s.upload(dw), ggx,
                    ggw, ggo, batch, stream);
            return new DoubleGradients<>(s.downloadFloats(ggx), s.downloadFloats(ggw), s.downloadFloats(ggo));
        }
    }

    /** Frees the workspace, the modules, this instance's stream and allocator (which reports leaks). */
    @Override
    public void close() {
        if (isClosed()) {
            return;
        }
        super.close();
        try {
            synchronized (this) {
                if (partial != null) {
                    stream.synchronize();
                    device.synchronize();
                }
                freeWorkspace();
            }
        } finally {
            resources.close();
        }
    }
}
