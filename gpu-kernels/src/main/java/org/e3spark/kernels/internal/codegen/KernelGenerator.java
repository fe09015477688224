package org.e3spark.kernels.internal.codegen;

import org.e3spark.kernels.gpu.GpuTarget;

import java.util.ArrayList;
import java.util.List;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.TPProblem;

/**
 * The entry point of kernel generation: problem, dtype and target in, one translation unit with
 * every {@link KernelKind} out. Stages: {@link Planner} (decisions) then {@link KernelEmitter}
 * (rendering). Deterministic: the same arguments give the same text.
 */
public final class KernelGenerator {

    private KernelGenerator() {
    }

    /** Every kernel variant of {@code problem} for {@code dtype} on {@code target}. */
    public static GeneratedKernels generate(TPProblem problem, DType dtype, GpuTarget target) {
        return generate(problem, dtype, target, List.of(KernelKind.values()));
    }

    /** Only the listed variants, in the listed order. */
    public static GeneratedKernels generate(TPProblem problem, DType dtype, GpuTarget target, List<KernelKind> kinds) {
        return generate(problem, dtype, target, kinds, PlannerTuning.DEFAULT);
    }

    /** As {@link #generate(TPProblem, DType, GpuTarget, List)} with explicit planner budgets (for sweeps). */
    public static GeneratedKernels generate(TPProblem problem, DType dtype, GpuTarget target, List<KernelKind> kinds,
                                            PlannerTuning tuning) {
        return generate(problem, dtype, target, kinds, tuning, false);
    }

    /**
     * The convolution variants of the listed kinds (message passing fused in, {@link ConvKernelAbi}),
     * plus the two reduction kernels of deterministic mode, in one translation unit.
     */
    public static GeneratedKernels generateConv(TPProblem problem, DType dtype, GpuTarget target,
                                                List<KernelKind> kinds, PlannerTuning tuning) {
        return generate(problem, dtype, target, kinds, tuning, true);
    }

    private static GeneratedKernels generate(TPProblem problem, DType dtype, GpuTarget target, List<KernelKind> kinds,
                                             PlannerTuning tuning, boolean convolution) {
        List<Schedule> schedules = new ArrayList<>();
        List<GeneratedKernels.Entry> entries = new ArrayList<>();
        for (KernelKind kind : kinds) {
            Schedule s = Planner.plan(problem, dtype, target, kind, tuning, convolution);
            schedules.add(s);
            entries.add(new GeneratedKernels.Entry(s.entryName(), kind, s.launch(), s.zeroFirst(), s.unitsPerRow()));
        }
        return new GeneratedKernels(KernelEmitter.render(schedules, target.dialect()), target, entries);
    }
}
