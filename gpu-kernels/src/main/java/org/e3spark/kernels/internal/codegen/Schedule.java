package org.e3spark.kernels.internal.codegen;

import org.e3spark.kernels.gpu.GpuTarget;

import java.util.List;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.TPProblem;

/**
 * Every number one generated kernel needs, decided by the {@link Planner}; the emitter only
 * renders it. Row strides are the irreps dimensions; weights are per row ({@code weightNumel}
 * apart) unless shared.
 *
 * @param problem the problem (for the header comment and dimensions)
 * @param entryName the kernel's {@code extern "C"} name
 * @param xRowVec vector width (elements) of the coalesced loads of whole x rows (likewise y; gx and gy
 *     for the stores of backward's row gradients, 1 when accumulating)
 * @param gwInSharedMemory shared-weight gradient accumulated per block in shared memory, then one
 *     atomic per element per block (otherwise one global atomic per element per row)
 * @param copyUnroll unroll factor of the warp-cooperative row copies (loads in flight per lane)
 * @param unrollChannels unroll the per-lane channel loops of the paths fully
 * @param zeroFirst buffers the caller must zero before the launch ("gw" for a shared-weight backward)
 * @param convolution the kernel is fused with message passing (see {@link ConvKernelAbi}): rows are
 *     work items over a graph's sorted edges instead of batch rows
 */
public record Schedule(TPProblem problem, DType dtype, GpuTarget target, KernelKind kind, String entryName,
                       int dim1, int dim2, int dimOut, int weightNumel,
                       int warpWidth, int warpsPerBlock, SmemLayout smem,
                       int xRowVec, int yRowVec, int gxRowVec, int gyRowVec, int wRowVec,
                       boolean gwInSharedMemory, int copyUnroll, boolean unrollChannels, List<Segment> segments, LaunchConfig launch,
                       List<String> zeroFirst, boolean convolution) {

    public Schedule {
        segments = List.copyOf(segments);
        zeroFirst = List.copyOf(zeroFirst);
    }

    public boolean sharedWeights() {
        return problem.sharedWeights();
    }

    /** Warp work units per row: one per output segment for the convolution forward, else 1. */
    public int unitsPerRow() {
        return convolution && !kind.backward() ? segments.size() : 1;
    }

    /** Every path in segment order. */
    public List<PathPlan> paths() {
        return segments.stream().flatMap(s -> s.paths().stream()).toList();
    }
}
