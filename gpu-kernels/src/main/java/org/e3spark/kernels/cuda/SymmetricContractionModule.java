package org.e3spark.kernels.cuda;

import org.e3spark.kernels.gpu.GpuStream;

import org.e3spark.kernels.gpu.LaunchConfig;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.SymmetricContractionProblem;
import org.e3spark.kernels.internal.codegen.ScKernel;
import org.e3spark.kernels.internal.codegen.SymmetricContractionEmitter;
import org.e3spark.kernels.internal.codegen.SymmetricContractionPlan;

/**
 * The generated kernels of one symmetric contraction and dtype, compiled for one device through the
 * kernel cache (as {@link TensorProductModule} does for tensor products) and loaded there, one
 * {@link ScKernel.Group} at a time on first use; the forward group is loaded at creation, so an
 * unusable GPU or compiler fails the constructor, not the first call. Owns the modules.
 */
final class SymmetricContractionModule implements AutoCloseable {

    /** One loaded kernel and its planned launch shape. */
    record Kernel(CudaFunction function, org.e3spark.kernels.internal.codegen.LaunchConfig plan) {

        void launch(GpuStream stream, long items, Object... args) {
            function.launch(LaunchConfig.linear(plan.gridFor(items), plan.threadsPerBlock(), 0), stream, args);
        }
    }

    private final SymmetricContractionProblem problem;
    private final SymmetricContractionPlan plan;
    private final DType dtype;
    private final CudaDevice device;
    private final List<CudaModule> modules = new ArrayList<>();
    private final Map<ScKernel, Kernel> kernels = new EnumMap<>(ScKernel.class);
    private final Map<ScKernel.Group, String> sources = new EnumMap<>(ScKernel.Group.class);
    private final java.util.Set<ScKernel.Group> loaded = java.util.EnumSet.noneOf(ScKernel.Group.class);
    private boolean closed;

    SymmetricContractionModule(SymmetricContractionPlan plan, DType dtype, CudaDevice device) {
        this.problem = plan.problem();
        this.plan = plan;
        this.dtype = dtype;
        this.device = device;
        load(ScKernel.Group.FORWARD);
    }

    SymmetricContractionPlan plan() {
        return plan;
    }

    synchronized Kernel kernel(ScKernel.Group group, ScKernel kernel) {
        if (closed) {
            throw new IllegalStateException("kernels of " + problem + " are closed");
        }
        if (!loaded.contains(group)) {
            load(group);
        }
        return kernels.get(kernel);
    }

    /** Compiles every group into the kernel cache without loading anything. */
    static void precompile(SymmetricContractionPlan plan, DType dtype, CudaDevice device) {
        for (ScKernel.Group group : ScKernel.Group.values()) {
            precompile(plan, dtype, device, group);
        }
    }

    /** One group into the kernel cache (groups of one problem may be compiled on several threads). */
    static void precompile(SymmetricContractionPlan plan, DType dtype, CudaDevice device, ScKernel.Group group) {
        var generated = SymmetricContractionEmitter.generate(plan, dtype, TensorProductModule.targetOf(device),
                group.kernels);
        CudaRuntime.compiler().cubin(generated.source(), programName(plan.problem(), dtype, group), device.arch(),
                TensorProductModule.OPTIONS);
    }

    static String programName(SymmetricContractionProblem problem, DType dtype, ScKernel.Group group) {
        return "e3spark_sc_" + group.name().toLowerCase() + "_" + Integer.toHexString(problem.toString().hashCode())
                + "_" + dtype.name().toLowerCase() + ".cu";
    }

    private void load(ScKernel.Group group) {
        var generated = SymmetricContractionEmitter.generate(plan, dtype, TensorProductModule.targetOf(device),
                group.kernels);
        CudaModule module = CudaRuntime.compiler().load(device, generated.source(), programName(problem, dtype, group),
                TensorProductModule.OPTIONS);
        try {
            for (SymmetricContractionEmitter.Entry e : generated.entries()) {
                if (!kernels.containsKey(e.kernel())) {
                    kernels.put(e.kernel(), new Kernel(module.function(e.name()), e.launch()));
                }
            }
            modules.add(module);
            sources.put(group, generated.source());
            loaded.add(group);
        } catch (RuntimeException e) {
            module.close();
            throw e;
        }
    }

    synchronized String source() {
        return String.join("\n", sources.values());
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        RuntimeException first = null;
        for (CudaModule m : modules) {
            try {
                m.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
