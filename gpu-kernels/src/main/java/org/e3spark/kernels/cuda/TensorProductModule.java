package org.e3spark.kernels.cuda;

import org.e3spark.kernels.gpu.GpuStream;

import org.e3spark.kernels.gpu.LaunchConfig;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.bundle.KernelSource;
import org.e3spark.kernels.internal.codegen.ConvKernelAbi;
import org.e3spark.kernels.internal.codegen.GeneratedKernels;
import org.e3spark.kernels.gpu.GpuTarget;
import org.e3spark.kernels.internal.codegen.KernelGenerator;
import org.e3spark.kernels.internal.codegen.KernelKind;
import org.e3spark.kernels.internal.codegen.PlannerTuning;

/**
 * The generated kernels of one problem and dtype, compiled for one device and loaded there:
 * generator → NVRTC (through the cache: a warm process or a warm disk compiles nothing) → module.
 *
 * <p>Kernels are compiled in three groups, each on first use: forward, backward, and the
 * accumulating variants double backward is composed of. Large problems produce tens of thousands
 * of lines per group, so an inference-only user never waits for the backward compile. Owns the
 * modules; functions are borrowed from them. The same holds for the convolution variants
 * ({@code convolution = true}, {@link ConvKernelAbi}), whose every group also carries the two
 * ordered reduction kernels of deterministic mode.
 */
final class TensorProductModule implements AutoCloseable {

    /** One loaded kernel: the function, its planned launch shape and which outputs to zero first. */
    record Kernel(CudaFunction function, org.e3spark.kernels.internal.codegen.LaunchConfig plan, List<String> zeroFirst,
                  int unitsPerRow) {

        /** The grid this kernel gets for {@code rows} batch rows (work items). */
        int gridFor(long rows) {
            return plan.gridFor(rows * unitsPerRow);
        }

        void launch(GpuStream stream, long batch, Object... args) {
            int grid = gridFor(batch);
            function.launch(LaunchConfig.linear(grid, plan.threadsPerBlock(), plan.dynamicSmemBytes()), stream, args);
        }

        boolean mustZero(String buffer) {
            return zeroFirst.contains(buffer);
        }
    }

    /** Which kernels are compiled together. */
    enum Group {
        FORWARD(List.of(KernelKind.FORWARD)),
        BACKWARD(List.of(KernelKind.BACKWARD)),
        DOUBLE_BACKWARD(List.of(KernelKind.FORWARD_ACCUMULATE, KernelKind.FORWARD_WEIGHT_TANGENT,
                KernelKind.BACKWARD_ACCUMULATE, KernelKind.BACKWARD_WEIGHT_TANGENT));

        final List<KernelKind> kinds;

        Group(List<KernelKind> kinds) {
            this.kinds = kinds;
        }

        static Group of(KernelKind kind) {
            for (Group g : values()) {
                if (g.kinds.contains(kind)) {
                    return g;
                }
            }
            throw new IllegalArgumentException("no group holds " + kind);
        }
    }

    /** NVRTC options beyond the architecture, which the compiler adds itself. Part of the cache key. */
    static final List<String> OPTIONS = List.of("--std=c++17");

    private final TPProblem problem;
    private final DType dtype;
    private final CudaDevice device;
    private final boolean convolution;
    private final PlannerTuning tuning;
    private CudaFunction reduceRows;
    private CudaFunction reduceAll;
    private final List<CudaModule> modules = new ArrayList<>();
    private final Map<KernelKind, Kernel> kernels = new EnumMap<>(KernelKind.class);
    private final Map<Group, String> sources = new EnumMap<>(Group.class);
    private boolean closed;

    TensorProductModule(TPProblem problem, DType dtype, CudaDevice device) {
        this(problem, dtype, device, false, PlannerTuning.DEFAULT);
    }

    TensorProductModule(TPProblem problem, DType dtype, CudaDevice device, boolean convolution, PlannerTuning tuning) {
        this.problem = problem;
        this.dtype = dtype;
        this.device = device;
        this.convolution = convolution;
        this.tuning = tuning;
        load(Group.FORWARD); // fail at creation, not at the first call, if the GPU or compiler is unusable
    }

    static GpuTarget targetOf(CudaDevice device) {
        return new GpuTarget(GpuTarget.Dialect.CUDA, device.arch().smName(), 32, device.multiprocessorCount(),
                device.maxSharedMemoryPerBlockOptin(), device.sharedMemoryPerMultiprocessor());
    }

    synchronized Kernel kernel(KernelKind kind) {
        if (closed) {
            throw new IllegalStateException("kernels of " + problem + " are closed");
        }
        if (!kernels.containsKey(kind)) {
            load(Group.of(kind));
        }
        return kernels.get(kind);
    }

    /**
     * Compiles every group into the kernel cache without loading anything: lets a process (a Spark
     * executor at start-up, a test run) warm the cache, possibly from several threads at once.
     */
    static void precompile(TPProblem problem, DType dtype, CudaDevice device) {
        precompile(problem, dtype, device, false, PlannerTuning.DEFAULT);
    }

    static void precompile(TPProblem problem, DType dtype, CudaDevice device, boolean convolution, PlannerTuning tuning) {
        for (Group group : Group.values()) {
            GeneratedKernels generated = generate(problem, dtype, device, group, convolution, tuning);
            CudaRuntime.compiler().cubin(generated.source(), programName(problem, dtype, group, convolution), device.arch(),
                    OPTIONS);
        }
    }

    private static GeneratedKernels generate(TPProblem problem, DType dtype, CudaDevice device, Group group,
                                             boolean convolution, PlannerTuning tuning) {
        return generate(problem, dtype, targetOf(device), group, convolution, tuning);
    }

    private static GeneratedKernels generate(TPProblem problem, DType dtype, GpuTarget target, Group group,
                                             boolean convolution, PlannerTuning tuning) {
        return convolution
                ? KernelGenerator.generateConv(problem, dtype, target, group.kinds, tuning)
                : KernelGenerator.generate(problem, dtype, target, group.kinds, tuning);
    }

    /**
     * Every translation unit {@link #load} would compile for a device described by {@code target}, with the
     * program name and options it would use: what an ahead-of-time bundle must hold for this problem.
     */
    static List<KernelSource> sources(TPProblem problem, DType dtype, GpuTarget target, boolean convolution,
                                      PlannerTuning tuning) {
        List<KernelSource> out = new ArrayList<>();
        for (Group group : Group.values()) {
            GeneratedKernels generated = generate(problem, dtype, target, group, convolution, tuning);
            out.add(new KernelSource(programName(problem, dtype, group, convolution), generated.source(), OPTIONS,
                    (convolution ? "convolution " : "tensor product ") + group.name().toLowerCase() + " ("
                            + dtype.name().toLowerCase() + ")"));
        }
        return out;
    }

    private static String programName(TPProblem problem, DType dtype, Group group, boolean convolution) {
        return "e3spark_" + (convolution ? "conv_" : "") + group.name().toLowerCase() + "_" + Integer.toHexString(problem.describe().hashCode()) + "_"
                + dtype.name().toLowerCase() + ".cu";
    }

    private void load(Group group) {
        GeneratedKernels generated = generate(problem, dtype, device, group, convolution, tuning);
        CudaModule module = CudaRuntime.compiler().load(device, generated.source(),
                programName(problem, dtype, group, convolution), OPTIONS);
        try {
            Map<KernelKind, Kernel> loaded = new EnumMap<>(KernelKind.class);
            for (GeneratedKernels.Entry e : generated.entries()) {
                CudaFunction f = module.function(e.name());
                if (e.launch().dynamicSmemBytes() > device.maxSharedMemoryPerBlock()) {
                    f.setMaxDynamicSharedMemory(e.launch().dynamicSmemBytes());
                }
                loaded.put(e.kind(), new Kernel(f, e.launch(), e.zeroFirst(), e.unitsPerRow()));
            }
            if (convolution && reduceRows == null) {
                reduceRows = module.function(ConvKernelAbi.REDUCE_ROWS);
                reduceAll = module.function(ConvKernelAbi.REDUCE_ALL);
            }
            kernels.putAll(loaded);
            modules.add(module);
            sources.put(group, generated.source());
        } catch (RuntimeException e) {
            module.close();
            throw e;
        }
    }

    /** The ordered reduction of partial rows per node (convolution modules only). */
    synchronized CudaFunction reduceRows() {
        requireConvolution();
        return reduceRows;
    }

    /** The ordered reduction of all partial rows into one (convolution modules only). */
    synchronized CudaFunction reduceAll() {
        requireConvolution();
        return reduceAll;
    }

    private void requireConvolution() {
        if (closed) {
            throw new IllegalStateException("kernels of " + problem + " are closed");
        }
        if (!convolution) {
            throw new IllegalStateException("not a convolution module");
        }
    }

    /** The source of every group compiled so far. */
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
