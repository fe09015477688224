package org.e3spark.kernels.internal.codegen;

import java.util.List;

/**
 * A contiguous run of output blocks that one warp produces (forward) or consumes (backward's
 * output gradient) in one shared-memory pass. Large problems (mace-large in float64) do not fit a
 * whole output row in shared memory next to enough warps per multiprocessor, so the planner cuts
 * the output row into segments; every path belongs to the segment of its output block.
 *
 * @param rowStart first output element of the segment within a row
 * @param length elements in the segment
 * @param vecWidth elements per vector access when copying between global and shared memory
 * @param zeroSpans spans (segment-relative) of output blocks no path reaches in this kernel variant
 * @param paths the paths writing into (or reading gradients from) this segment, in instruction order
 */
public record Segment(int index, int rowStart, int length, int vecWidth, List<Integer> blocks,
                      List<Span> zeroSpans, List<PathPlan> paths) {

    public Segment {
        blocks = List.copyOf(blocks);
        zeroSpans = List.copyOf(zeroSpans);
        paths = List.copyOf(paths);
    }
}
