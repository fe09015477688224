package org.e3spark.kernels.internal.codegen;

import java.util.List;
import org.e3spark.kernels.ConnectionMode;

/**
 * One instruction resolved to the numbers its generated code needs. Offsets of x and y are
 * within a staged row (shared memory holds whole rows in the problem's layout, so they equal the
 * global row offsets); {@code outOffset} is within the staged output segment; element (u, i) of a
 * block sits at {@code offset + u * channelStride + i * componentStride}.
 *
 * @param index instruction index in the problem
 * @param label human-readable path, e.g. {@code "128x1o x 1x1o -> 128x2e"}
 * @param assigns true when this is the first path to write its output block within the segment
 *     (it stores instead of adding)
 * @param terms the CG nonzeros, coefficient folded in, ordered by (k, i, j)
 */
public record PathPlan(int index, String label, ConnectionMode mode, boolean hasWeight,
                       int m1, int m2, int mo, int d1, int d2, int d3,
                       int xOffset, int xChannelStride, int xComponentStride,
                       int yOffset, int yChannelStride, int yComponentStride,
                       int outBlock, int outRowOffset, int outOffset, int outChannelStride, int outComponentStride,
                       int weightOffset, boolean assigns, double coefficient, List<CgTerm> terms) {

    public PathPlan {
        terms = List.copyOf(terms);
    }
}
