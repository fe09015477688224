package org.e3spark.kernels.internal.codegen;

import org.e3spark.kernels.gpu.GpuTarget;

import java.util.ArrayList;
import java.util.List;
import org.e3spark.kernels.ConnectionMode;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.Instruction;
import org.e3spark.kernels.Irreps;
import org.e3spark.kernels.Layout;
import org.e3spark.kernels.MulIr;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.internal.math.Wigner3jCache;

/**
 * Makes every decision about one generated kernel and records it in a {@link Schedule}.
 *
 * <p>The strategy (see PERF-NOTES.md for why): one warp per batch row, grid-stride over rows. A
 * warp stages its row of x and y in shared memory with coalesced vector loads, then walks the
 * output row segment by segment: each path's lanes own output channels (lane = channel mod warp
 * width), accumulate the 2lo+1 components in registers with the CG nonzeros unrolled, and store
 * them into the staged segment, which the warp then writes back with coalesced vector stores.
 * The backward kernel stages the output gradient the same way and keeps row accumulators of gx and
 * gy in shared memory; per-row weight gradients are written directly (a lane owns each element),
 * shared-weight gradients are summed per block in shared memory and added once per block.
 */
public final class Planner {

    /** Largest shared-weight gradient accumulated per block in shared memory. */
    static final int MAX_BLOCK_GW_BYTES = 48 * 1024;
    /**
     * Per-row weights are staged in shared memory only when some path spans this many channel tiles:
     * with one or two tiles the weight load overlaps the path's other loads and the extra shared
     * memory costs more occupancy than it saves (nequip-lips backward 0.56 -> 0.63 ms when staged,
     * mace-large backward 1.50 -> 1.36 ms).
     */
    public static final int MIN_TILES_TO_STAGE_WEIGHTS = 3;
    /** Row-copy iterations unrolled: each lane keeps this many 16-byte loads in flight. */
    static final int COPY_UNROLL = 8;
    /** Shared memory the runtime reserves per resident block (Hopper). */
    static final int RESERVED_SMEM_PER_BLOCK = 1024;

    private Planner() {
    }

    public static Schedule plan(TPProblem p, DType dtype, GpuTarget target, KernelKind kind) {
        return plan(p, dtype, target, kind, PlannerTuning.DEFAULT);
    }

    public static Schedule plan(TPProblem p, DType dtype, GpuTarget target, KernelKind kind, PlannerTuning tuning) {
        return plan(p, dtype, target, kind, tuning, false);
    }

    /**
     * As {@link #plan(TPProblem, DType, GpuTarget, KernelKind, PlannerTuning)}, for the convolution
     * variant when {@code convolution} is true: the same shared-memory layout and paths, with the
     * kernel walking work items of a graph's sorted edges ({@link ConvKernelAbi}); the caller zeroes
     * and reduces outputs itself, so no zero-first list is recorded.
     */
    public static Schedule plan(TPProblem p, DType dtype, GpuTarget target, KernelKind kind, PlannerTuning tuning,
                                boolean convolution) {
        int elem = dtype.bytes();
        int align = 16 / elem;
        int warp = target.warpWidth();
        int threads = tuning.threadsPerBlock();
        int warps = threads / warp;
        boolean backward = kind.backward();

        List<Integer> live = new ArrayList<>();
        for (int k = 0; k < p.instructions().size(); k++) {
            Instruction ins = p.instruction(k);
            boolean empty = p.in1().get(ins.in1()).mul() == 0 || p.in2().get(ins.in2()).mul() == 0
                    || p.out().get(ins.out()).mul() == 0;
            if (!empty && !(kind.weightTangent() && !ins.hasWeight())) {
                live.add(k);
            }
        }
        boolean anyUvw = live.stream().anyMatch(k -> p.instruction(k).mode() == ConnectionMode.UVW);
        int pairStride = 0;
        for (int k : live) {
            if (p.instruction(k).mode() == ConnectionMode.UVW) {
                pairStride = Math.max(pairStride, p.out().get(p.instruction(k).out()).irrep().dim());
            }
        }
        int pairsSize = anyUvw ? roundUp(warp * pairStride, align) : 0;
        int weightStride = warp + 1;
        int weightsSize = anyUvw && backward ? roundUp(warp * weightStride, align) : 0;

        int dim1 = p.in1().dim();
        int dim2 = p.in2().dim();
        int dimOut = p.out().dim();
        int maxTiles = 0;
        for (int k : live) {
            maxTiles = Math.max(maxTiles, (p.in1().get(p.instruction(k).in1()).mul() + warp - 1) / warp);
        }
        boolean stageW = !p.sharedWeights() && p.weightNumel() > 0
                && (long) p.weightNumel() * elem <= tuning.stagedWeightRowBytes()
                && maxTiles >= MIN_TILES_TO_STAGE_WEIGHTS
                && (backward || tuning.stageWeightsInForward());
        int wrowSize = stageW ? roundUp(p.weightNumel(), align) : 0;
        // The convolution forward reads x and y rows straight from global memory (cached): a warp
        // walks many edges per output segment, and staging the sender's row once per edge and
        // segment would move it through shared memory once per segment.
        boolean stageInputs = !(convolution && !backward);
        int xRegion = stageInputs ? roundUp(dim1, align) : 0;
        int yRegion = stageInputs ? roundUp(dim2, align) : 0;
        int fixed = xRegion + yRegion + pairsSize + weightsSize + wrowSize;
        if (backward) {
            fixed += roundUp(dim1, align) + roundUp(dim2, align);
        }
        int largestBlock = 0;
        for (MulIr b : p.out().blocks()) {
            largestBlock = Math.max(largestBlock, b.dim());
        }
        int segmentBudget = Math.max(roundUp(largestBlock, align), tuning.targetBytesPerWarp() / elem - fixed);

        List<Segment> segments = segment(p, live, segmentBudget, align, backward);
        int segmentSize = 0;
        for (Segment s : segments) {
            segmentSize = Math.max(segmentSize, roundUp(s.length(), align));
        }

        int x = 0;
        int y = x + xRegion;
        int gx = y + yRegion;
        int gxSize = backward ? roundUp(dim1, align) : 0;
        int gy = gx + gxSize;
        int gySize = backward ? roundUp(dim2, align) : 0;
        int seg = gy + gySize;
        int pairs = seg + segmentSize;
        int weights = pairs + pairsSize;
        int wrow = weights + weightsSize;
        int perWarp = wrow + wrowSize;
        boolean gwShared = backward && p.sharedWeights() && !kind.weightTangent();
        boolean gwInSmem = gwShared && p.weightNumel() > 0 && (long) p.weightNumel() * elem <= MAX_BLOCK_GW_BYTES;
        int blockGwSize = gwInSmem ? roundUp(p.weightNumel(), align) : 0;
        // Fewer rows per block when the block's slices do not fit the target's shared memory (64 KiB LDS
        // with 64-wide wavefronts); never below one warp. Where the tuned block fits, nothing changes.
        while (warps > 1 && ((long) perWarp * warps + blockGwSize) * elem > target.maxSharedMemoryPerBlock()) {
            warps--;
        }
        threads = warps * warp;
        int blockGw = perWarp * warps;
        SmemLayout smem = new SmemLayout(perWarp, warps, x, stageInputs ? dim1 : 0, y, stageInputs ? dim2 : 0, gx, gxSize, gy, gySize, seg, segmentSize,
                pairs, pairsSize, pairStride, weights, weightsSize, weightStride, wrow, wrowSize, blockGw, blockGwSize, elem);

        int bytes = smem.totalBytes();
        if (bytes > target.maxSharedMemoryPerBlock()) {
            throw new UnsupportedOperationException("kernel " + kind.entryName() + " for " + p + " in " + dtype
                    + " needs " + bytes + " bytes of shared memory per block even with one warp of " + warp + " lanes; "
                    + target.arch() + " allows " + target.maxSharedMemoryPerBlock()
                    + " (the input rows must fit one warp's slice)");
        }
        int perSm = Math.min(target.sharedMemoryPerMultiprocessor() / (bytes + RESERVED_SMEM_PER_BLOCK),
                Math.min(2048 / threads, 32));
        LaunchConfig launch = new LaunchConfig(threads, warps, Math.max(1, perSm) * target.multiprocessors(), bytes);

        int vecMax = 16 / elem;
        int xVec = vecWidth(dim1, 0, dim1, vecMax);
        int yVec = vecWidth(dim2, 0, dim2, vecMax);
        int gxVec = kind.accumulate() ? 1 : xVec;
        int gyVec = kind.accumulate() ? 1 : yVec;
        List<String> zeroFirst = gwShared && !kind.accumulate() && !convolution ? List.of("gw") : List.of();
        String entry = convolution ? ConvKernelAbi.PREFIX + kind.entryName() : kind.entryName();
        return new Schedule(p, dtype, target, kind, entry, dim1, dim2, dimOut, p.weightNumel(),
                warp, warps, smem, xVec, yVec, gxVec, gyVec,
                stageW ? vecWidth(p.weightNumel(), 0, p.weightNumel(), vecMax) : 0, gwInSmem, COPY_UNROLL,
                backward ? tuning.unrollBackwardChannels() : tuning.unrollForwardChannels(), segments, launch, zeroFirst,
                convolution);
    }

    /** Cuts the output row into runs of whole blocks no longer than the budget, and assigns paths. */
    private static List<Segment> segment(TPProblem p, List<Integer> live, int budget, int align, boolean backward) {
        Irreps out = p.out();
        List<List<Integer>> groups = new ArrayList<>();
        List<Integer> current = new ArrayList<>();
        int length = 0;
        for (int b = 0; b < out.size(); b++) {
            int d = out.get(b).dim();
            if (!current.isEmpty() && length + d > budget) {
                groups.add(current);
                current = new ArrayList<>();
                length = 0;
            }
            current.add(b);
            length += d;
        }
        if (!current.isEmpty()) {
            groups.add(current);
        }
        int vecMax = align;
        List<Segment> segments = new ArrayList<>();
        for (List<Integer> blocks : groups) {
            int start = out.offset(blocks.getFirst());
            int end = out.offset(blocks.getLast()) + out.get(blocks.getLast()).dim();
            List<PathPlan> paths = new ArrayList<>();
            List<Span> zeros = new ArrayList<>();
            boolean[] reached = new boolean[out.size()];
            for (int k : live) {
                int ob = p.instruction(k).out();
                if (blocks.contains(ob)) {
                    paths.add(path(p, k, start, !reached[ob]));
                    reached[ob] = true;
                }
            }
            for (int b : blocks) {
                if (!reached[b] && out.get(b).dim() > 0) {
                    zeros.add(new Span(out.offset(b) - start, out.get(b).dim()));
                }
            }
            if (backward && paths.isEmpty()) {
                continue; // nothing reads this part of the output gradient
            }
            segments.add(new Segment(segments.size(), start, end - start,
                    vecWidth(p.out().dim(), start, end - start, vecMax), blocks, zeros, paths));
        }
        return segments;
    }

    private static PathPlan path(TPProblem p, int k, int segmentStart, boolean assigns) {
        Instruction ins = p.instruction(k);
        Layout layout = p.layout();
        MulIr a = p.in1().get(ins.in1());
        MulIr b = p.in2().get(ins.in2());
        MulIr c = p.out().get(ins.out());
        double coefficient = p.pathCoefficient(k);
        String label = a + " x " + b + " -> " + c;
        return new PathPlan(k, label, ins.mode(), ins.hasWeight(), a.mul(), b.mul(), c.mul(),
                a.irrep().dim(), b.irrep().dim(), c.irrep().dim(),
                p.in1().offset(ins.in1()), layout.channelStride(a), layout.componentStride(a),
                p.in2().offset(ins.in2()), layout.channelStride(b), layout.componentStride(b),
                ins.out(), p.out().offset(ins.out()), p.out().offset(ins.out()) - segmentStart,
                layout.channelStride(c), layout.componentStride(c),
                p.weightOffset(k), assigns, coefficient, terms(a.l(), b.l(), c.l(), coefficient));
    }

    /** The CG nonzeros of (l1, l2, lo) times the coefficient, ordered by output component, then i, j. */
    static List<CgTerm> terms(int l1, int l2, int lo, double coefficient) {
        double[] cg = Wigner3jCache.get(l1, l2, lo);
        int d1 = 2 * l1 + 1;
        int d2 = 2 * l2 + 1;
        int d3 = 2 * lo + 1;
        List<CgTerm> terms = new ArrayList<>();
        for (int kk = 0; kk < d3; kk++) {
            for (int i = 0; i < d1; i++) {
                for (int j = 0; j < d2; j++) {
                    double v = cg[(i * d2 + j) * d3 + kk];
                    if (v != 0 && coefficient != 0) {
                        terms.add(new CgTerm(i, j, kk, v * coefficient));
                    }
                }
            }
        }
        return terms;
    }

    /** The widest vector (power of two up to max) that divides the row length, start and length. */
    static int vecWidth(int rowLength, int start, int length, int max) {
        for (int v = max; v > 1; v /= 2) {
            if (rowLength % v == 0 && start % v == 0 && length % v == 0) {
                return v;
            }
        }
        return 1;
    }

    private static int roundUp(int n, int m) {
        return (n + m - 1) / m * m;
    }
}
