package org.e3spark.kernels.internal.codegen;

import org.e3spark.kernels.gpu.SourceWriter;

/**
 * Renders the convolution variants of a schedule ({@link ConvKernelAbi}): the per-path arithmetic
 * and the shared-memory layout are the tensor product's ({@link PathEmitter}, {@link SmemLayout});
 * what changes is where rows come from and go to. A warp takes work items grid-stride; an item is
 * a run of sorted edges sharing one node.
 *
 * <p>Forward: a warp takes one output segment of one item: it zeroes the segment in shared memory,
 * then for each edge of the item adds the edge's message into it, reading the sender's x row and
 * the edge's y row from global memory (the warps of an item's other segments read the same rows,
 * so they come from cache); the segment is written once per item (stored, atomically added, or
 * stored as a partial row). Backward: the item's node is the sender, so its x row is staged once and its gx row is
 * accumulated in shared memory across the item's edges; gy and gW are written per edge.
 * Decides nothing: every number comes from the {@link Schedule}.
 */
final class ConvEmitter {

    private ConvEmitter() {
    }

    static void forward(SourceWriter w, Schedule s) {
        KernelEmitter.scheduleComment(w, s);
        int segments = s.segments().size();
        w.comment("fused convolution: one warp per (work item of receiver-sorted edges, output segment); x and y read");
        w.comment("from global memory; out rows zeroed by the caller");
        w.linef("extern \"C\" __global__ void __launch_bounds__(%d)", s.launch().threadsPerBlock());
        w.open(s.entryName() + "(const tp_real* __restrict__ x, const tp_real* __restrict__ y, "
                + "const tp_real* __restrict__ w, tp_real* __restrict__ out, tp_real* __restrict__ partial, "
                + "const int4* __restrict__ items, int nItems, const int* __restrict__ perm, "
                + "const int* __restrict__ peer)");
        KernelEmitter.prologue(w, s);
        w.open(String.format("for (int unit = blockIdx.x * %d + warp; unit < nItems * %d; unit += gridDim.x * %d)",
                s.warpsPerBlock(), segments, s.warpsPerBlock()));
        w.linef("const int4 item = items[unit / %d];", segments);
        w.linef("const int segment = unit %% %d;", segments);
        for (Segment seg : s.segments()) {
            w.blank();
            w.comment("segment " + seg.index() + ": output blocks " + seg.blocks() + ", row elements ["
                    + seg.rowStart() + ", " + (seg.rowStart() + seg.length()) + ")");
            w.open("if (segment == " + seg.index() + ")");
            w.linef("for (int q = lane; q < %d; q += %d) sseg[q] = 0;", seg.length(), s.warpWidth());
            w.line("tp_warp_sync();");
            openEdgeLoop(w);
            w.linef("const tp_real* const sx = x + (long long)other * %d;", s.dim1());
            w.linef("const tp_real* const sy = y + e * %d;", s.dim2());
            edgeWeights(w, s);
            for (PathPlan p : seg.paths()) {
                PathEmitter.forward(w, s, p);
            }
            w.close();
            w.line("tp_warp_sync();");
            flush(w, s, "out", s.dimOut(), seg.rowStart(), seg.length(), "sseg", seg.vecWidth());
            w.line("tp_warp_sync();");
            w.close();
        }
        w.close();
        w.close();
    }

    static void backward(SourceWriter w, Schedule s) {
        KernelEmitter.scheduleComment(w, s);
        SmemLayout m = s.smem();
        boolean sharedGw = s.sharedWeights() && !s.kind().weightTangent();
        w.comment("fused convolution backward: items of sender-sorted edges; gx rows zeroed by the caller");
        w.linef("extern \"C\" __global__ void __launch_bounds__(%d)", s.launch().threadsPerBlock());
        w.open(s.entryName() + "(const tp_real* __restrict__ x, const tp_real* __restrict__ y, "
                + "const tp_real* __restrict__ w, const tp_real* __restrict__ gout, tp_real* __restrict__ gx, "
                + "tp_real* __restrict__ gy, tp_real* __restrict__ gw, tp_real* __restrict__ partial, "
                + "tp_real* __restrict__ gwPartial, const int4* __restrict__ items, int nItems, "
                + "const int* __restrict__ perm, const int* __restrict__ peer)");
        KernelEmitter.prologue(w, s);
        if (s.gwInSharedMemory()) {
            w.linef("tp_real* const sgw = tp_smem + %d;", m.blockGw());
            w.linef("for (int q = threadIdx.x; q < %d; q += %d) sgw[q] = 0;", s.weightNumel(), s.launch().threadsPerBlock());
            w.line("tp_block_sync();");
        }
        if (sharedGw) {
            w.linef("tp_real* const gwp = gwPartial == nullptr ? nullptr : gwPartial + ((long long)blockIdx.x * %d + warp)"
                    + " * %d;", s.warpsPerBlock(), s.weightNumel());
        }
        itemLoop(w, s);
        KernelEmitter.copy(w, s, "sx", String.format("x + (long long)item.x * %d", s.dim1()), s.dim1(), s.xRowVec(), false);
        w.linef("for (int q = lane; q < %d; q += %d) sgx[q] = 0;", s.dim1(), s.warpWidth());
        openEdgeLoop(w);
        w.line("const long long receiver = other;");
        KernelEmitter.copy(w, s, "sy", String.format("y + e * %d", s.dim2()), s.dim2(), s.yRowVec(), false);
        edgeWeights(w, s);
        if (!s.kind().weightTangent() && !s.sharedWeights()) {
            w.linef("tp_real* const gwr = gw + e * %d;", s.weightNumel());
        }
        w.linef("for (int q = lane; q < %d; q += %d) sgy[q] = 0;", s.dim2(), s.warpWidth());
        w.line("tp_warp_sync();");
        for (Segment seg : s.segments()) {
            w.blank();
            w.comment("segment " + seg.index() + ": output-gradient blocks " + seg.blocks() + ", row elements ["
                    + seg.rowStart() + ", " + (seg.rowStart() + seg.length()) + ") of the receiver's row");
            KernelEmitter.copy(w, s, "sseg", String.format("gout + receiver * %d + %d", s.dimOut(), seg.rowStart()),
                    seg.length(), seg.vecWidth(), false);
            w.line("tp_warp_sync();");
            for (PathPlan p : seg.paths()) {
                PathEmitter.backward(w, s, p);
            }
            w.line("tp_warp_sync();");
        }
        w.open("if (gy != nullptr)");
        KernelEmitter.copy(w, s, String.format("gy + e * %d", s.dim2()), "sgy", s.dim2(), s.gyRowVec(),
                s.kind().accumulate());
        w.close();
        w.line("tp_warp_sync();");
        w.close();
        w.open("if (gx != nullptr)");
        flush(w, s, "gx", s.dim1(), 0, s.dim1(), "sgx", s.xRowVec());
        w.close();
        w.line("tp_warp_sync();");
        w.close();
        if (s.gwInSharedMemory()) {
            w.line("tp_block_sync();");
            w.open("if (gw != nullptr" + (sharedGw ? " && gwPartial == nullptr" : "") + ")");
            w.linef("for (int q = threadIdx.x; q < %d; q += %d) tp_atomic_add(gw + q, sgw[q]);", s.weightNumel(),
                    s.launch().threadsPerBlock());
            w.close();
        }
        w.close();
    }

    /** The two ordered reductions of deterministic mode (one thread per element, grid-stride). */
    static void reductions(SourceWriter w) {
        w.comment("deterministic mode: dst[row] += partial rows firstSlot .. firstSlot + count - 1, in slot order");
        w.open("extern \"C\" __global__ void " + ConvKernelAbi.REDUCE_ROWS + "(const tp_real* __restrict__ partial, "
                + "tp_real* __restrict__ dst, const int4* __restrict__ groups, int nGroups, int dim)");
        w.open("for (long long q = (long long)blockIdx.x * blockDim.x + threadIdx.x; q < (long long)nGroups * dim; "
                + "q += (long long)gridDim.x * blockDim.x)");
        w.line("const int4 g = groups[q / dim];");
        w.line("const long long k = q % dim;");
        w.line("tp_real acc = 0;");
        w.open("for (int r = 0; r < g.z; ++r)");
        w.line("acc += partial[(long long)(g.y + r) * dim + k];");
        w.close();
        w.line("dst[(long long)g.x * dim + k] += acc;");
        w.close();
        w.close();
        w.blank();
        w.comment("deterministic mode: dst += rows 0 .. count - 1 of partial, in row order (shared-weight gradients)");
        w.open("extern \"C\" __global__ void " + ConvKernelAbi.REDUCE_ALL + "(const tp_real* __restrict__ partial, "
                + "tp_real* __restrict__ dst, int count, int dim)");
        w.open("for (int k = blockIdx.x * blockDim.x + threadIdx.x; k < dim; k += gridDim.x * blockDim.x)");
        w.line("tp_real acc = 0;");
        w.open("for (int r = 0; r < count; ++r)");
        w.line("acc += partial[(long long)r * dim + k];");
        w.close();
        w.line("dst[k] += acc;");
        w.close();
        w.close();
    }

    /** The loop over the item's edges, the next edge's ids loaded one iteration ahead. */
    private static void openEdgeLoop(SourceWriter w) {
        w.line("int eNext = perm[item.y], otherNext = peer[item.y];");
        w.open("for (int t = item.y; t < item.z; ++t)");
        w.line("const long long e = eNext;");
        w.line("const int other = otherNext;");
        w.open("if (t + 1 < item.z)");
        w.line("eNext = perm[t + 1];");
        w.line("otherNext = peer[t + 1];");
        w.close();
    }

    private static void itemLoop(SourceWriter w, Schedule s) {
        w.open(String.format("for (int it = blockIdx.x * %d + warp; it < nItems; it += gridDim.x * %d)",
                s.warpsPerBlock(), s.warpsPerBlock()));
        w.line("const int4 item = items[it];");
    }

    /** The edge's weight row: staged in shared memory when the schedule says so. */
    private static void edgeWeights(SourceWriter w, Schedule s) {
        if (s.smem().wrowSize() > 0) {
            KernelEmitter.copy(w, s, "swrow", String.format("w + e * %d", s.weightNumel()), s.weightNumel(),
                    s.wRowVec(), false);
            w.line("const tp_real* const wr = swrow;");
        } else {
            w.line(s.sharedWeights() ? "const tp_real* const wr = w;"
                    : String.format("const tp_real* const wr = w + e * %d;", s.weightNumel()));
        }
    }

    /**
     * Writes a staged row part of the item's node: owned (slot < 0) by a store or, accumulating, an
     * add; shared with other items by atomics (no partial buffer) or into the item's partial row.
     */
    private static void flush(SourceWriter w, Schedule s, String dst, int dim, int start, int length, String src, int vec) {
        boolean acc = s.kind().accumulate();
        w.open("if (item.w < 0)");
        KernelEmitter.copy(w, s, String.format("%s + (long long)item.x * %d + %d", dst, dim, start), src, length,
                acc ? 1 : vec, acc);
        w.close();
        w.open("else if (partial == nullptr)");
        w.linef("tp_real* const row = %s + (long long)item.x * %d + %d;", dst, dim, start);
        w.linef("for (int q = lane; q < %d; q += %d) tp_atomic_add(row + q, %s[q]);", length, s.warpWidth(), src);
        w.close();
        w.open("else");
        KernelEmitter.copy(w, s, String.format("partial + (long long)item.w * %d + %d", dim, start), src, length, vec,
                false);
        w.close();
    }
}
