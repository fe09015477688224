package org.e3spark.kernels.internal.codegen;

import org.e3spark.kernels.gpu.GpuTarget;

import org.e3spark.kernels.gpu.DialectPrelude;

import org.e3spark.kernels.gpu.SourceWriter;

import java.util.List;
import org.e3spark.kernels.Instruction;
import org.e3spark.kernels.TPProblem;

/**
 * Renders schedules into one translation unit: a header comment, the dialect prelude, then one
 * {@code extern "C" __global__} kernel per schedule. It decides nothing: every size, offset, vector
 * width and loop bound comes from the {@link Schedule}; the per-path arithmetic comes from
 * {@link PathEmitter}. The output depends only on its inputs (no dates, no hash-map order).
 */
public final class KernelEmitter {

    private KernelEmitter() {
    }

    /** One translation unit holding every schedule's kernel (all schedules share problem, dtype and warp width). */
    public static String render(List<Schedule> schedules, GpuTarget.Dialect dialect) {
        if (schedules.isEmpty()) {
            throw new IllegalArgumentException("nothing to render");
        }
        Schedule first = schedules.getFirst();
        SourceWriter w = new SourceWriter();
        header(w, first);
        w.raw(DialectPrelude.render(dialect, first.dtype(), first.warpWidth()));
        w.raw(body(schedules));
        return w.toString();
    }

    /** Everything after the prelude: identical for every dialect. */
    static String body(List<Schedule> schedules) {
        SourceWriter w = new SourceWriter();
        for (Schedule s : schedules) {
            w.blank();
            if (s.convolution()) {
                if (s.kind().backward()) {
                    ConvEmitter.backward(w, s);
                } else {
                    ConvEmitter.forward(w, s);
                }
            } else if (s.kind().backward()) {
                backward(w, s);
            } else {
                forward(w, s);
            }
        }
        if (schedules.getFirst().convolution()) {
            w.blank();
            ConvEmitter.reductions(w);
        }
        return w.toString();
    }

    private static void header(SourceWriter w, Schedule s) {
        TPProblem p = s.problem();
        w.comment("e3spark generated tensor-product kernels (e3nn o3.TensorProduct semantics).");
        w.comment("in1 = " + p.in1() + "  (dim " + s.dim1() + ")");
        w.comment("in2 = " + p.in2() + "  (dim " + s.dim2() + ")");
        w.comment("out = " + p.out() + "  (dim " + s.dimOut() + ")");
        w.comment("layout " + p.layout() + ", " + s.dtype() + ", " + (p.sharedWeights() ? "shared" : "per-row")
                + " weights (" + s.weightNumel() + " per " + (p.sharedWeights() ? "batch" : "row") + "), "
                + p.irrepNormalization() + "/" + p.pathNormalization() + " normalization");
        w.comment("instructions (in1, in2, out, mode, has_weight, path_weight) -> coefficient, weight offset:");
        for (int k = 0; k < p.instructions().size(); k++) {
            Instruction ins = p.instruction(k);
            w.comment(String.format(java.util.Locale.ROOT, "  %3d: %s -> c = %s, w @ %d", k, ins,
                    Double.toString(p.pathCoefficient(k)), p.weightOffset(k)));
        }
        w.comment("schedule: one warp of " + s.warpWidth() + " lanes per row, " + s.warpsPerBlock()
                + " rows per block of " + s.launch().threadsPerBlock() + " threads; grid <= "
                + s.launch().maxBlocks() / s.target().multiprocessors()
                + " blocks per multiprocessor, grid-stride over rows; target " + s.target().arch());
        // per multiprocessor, not the device total: the text (and so every kernel key) must not depend on the
        // SKU's multiprocessor count, or an ahead-of-time bundle built for sm_90 would miss on an H100 PCIe
    }

    static void scheduleComment(SourceWriter w, Schedule s) {
        SmemLayout m = s.smem();
        w.comment(s.entryName() + ": " + s.segments().size() + " segment(s); shared memory per warp "
                + m.perWarp() + " elements (x@" + m.x() + ", y@" + m.y()
                + (m.gxSize() > 0 ? ", gx@" + m.gx() + ", gy@" + m.gy() : "") + ", segment@" + m.segment() + "+"
                + m.segmentSize() + (m.pairsSize() > 0 ? ", pairs@" + m.pairs() : "")
                + (m.weightsSize() > 0 ? ", w-tile@" + m.weights() : "")
                + (m.wrowSize() > 0 ? ", w-row@" + m.wrow() : "") + ")"
                + (m.blockGwSize() > 0 ? ", block gw@" + m.blockGw() : "") + "; " + m.totalBytes() + " bytes per block");
        if (!s.zeroFirst().isEmpty()) {
            w.comment("caller zeroes first: " + String.join(", ", s.zeroFirst()));
        }
    }

    static void prologue(SourceWriter w, Schedule s) {
        SmemLayout m = s.smem();
        int lanes = s.warpWidth();
        w.line("TP_DYNAMIC_SMEM(tp_smem);");
        w.linef("const int lane = threadIdx.x %% %d;", lanes);
        w.linef("const int warp = threadIdx.x / %d;", lanes);
        w.linef("tp_real* const slice = tp_smem + warp * %d;", m.perWarp());
        if (m.xSize() > 0) {
            w.linef("tp_real* const sx = slice + %d;", m.x());
        }
        if (m.ySize() > 0) {
            w.linef("tp_real* const sy = slice + %d;", m.y());
        }
        if (m.gxSize() > 0) {
            w.linef("tp_real* const sgx = slice + %d;", m.gx());
            w.linef("tp_real* const sgy = slice + %d;", m.gy());
        }
        w.linef("tp_real* const sseg = slice + %d;", m.segment());
        if (m.pairsSize() > 0) {
            w.linef("tp_real* const spair = slice + %d;", m.pairs());
        }
        if (m.weightsSize() > 0) {
            w.linef("tp_real* const swt = slice + %d;", m.weights());
        }
        if (m.wrowSize() > 0) {
            w.linef("tp_real* const swrow = slice + %d;", m.wrow());
        }
    }

    private static void rowLoop(SourceWriter w, Schedule s) {
        w.open(String.format("for (long long row = (long long)blockIdx.x * %d + warp; row < batch; "
                + "row += (long long)gridDim.x * %d)", s.warpsPerBlock(), s.warpsPerBlock()));
        if (s.smem().wrowSize() > 0) {
            copy(w, s, "swrow", String.format("w + row * %d", s.weightNumel()), s.weightNumel(), s.wRowVec(), false);
            w.line("const tp_real* const wr = swrow;");
        } else {
            w.line(s.sharedWeights() ? "const tp_real* const wr = w;"
                    : String.format("const tp_real* const wr = w + row * %d;", s.weightNumel()));
        }
    }

    private static void forward(SourceWriter w, Schedule s) {
        scheduleComment(w, s);
        w.linef("extern \"C\" __global__ void __launch_bounds__(%d)", s.launch().threadsPerBlock());
        w.open(s.entryName() + "(const tp_real* __restrict__ x, const tp_real* __restrict__ y, "
                + "const tp_real* __restrict__ w, tp_real* __restrict__ out, int batch)");
        prologue(w, s);
        rowLoop(w, s);
        stageRows(w, s);
        w.line("tp_warp_sync();");
        boolean acc = s.kind().accumulate();
        for (Segment seg : s.segments()) {
            w.blank();
            w.comment("segment " + seg.index() + ": output blocks " + seg.blocks() + ", row elements ["
                    + seg.rowStart() + ", " + (seg.rowStart() + seg.length()) + ")");
            for (Span z : seg.zeroSpans()) {
                w.linef("for (int q = lane; q < %d; q += %d) sseg[%d + q] = 0;", z.length(), s.warpWidth(), z.offset());
            }
            for (PathPlan p : seg.paths()) {
                PathEmitter.forward(w, s, p);
            }
            w.line("tp_warp_sync();");
            copy(w, s, String.format("out + row * %d + %d", s.dimOut(), seg.rowStart()), "sseg", seg.length(),
                    acc ? 1 : seg.vecWidth(), acc);
            w.line("tp_warp_sync();");
        }
        w.close();
        w.close();
    }

    private static void backward(SourceWriter w, Schedule s) {
        scheduleComment(w, s);
        SmemLayout m = s.smem();
        w.linef("extern \"C\" __global__ void __launch_bounds__(%d)", s.launch().threadsPerBlock());
        w.open(s.entryName() + "(const tp_real* __restrict__ x, const tp_real* __restrict__ y, "
                + "const tp_real* __restrict__ w, const tp_real* __restrict__ gout, tp_real* __restrict__ gx, "
                + "tp_real* __restrict__ gy, tp_real* __restrict__ gw, int batch)");
        prologue(w, s);
        if (s.gwInSharedMemory()) {
            w.linef("tp_real* const sgw = tp_smem + %d;", m.blockGw());
            w.linef("for (int q = threadIdx.x; q < %d; q += %d) sgw[q] = 0;", s.weightNumel(), s.launch().threadsPerBlock());
            w.line("tp_block_sync();");
        }
        rowLoop(w, s);
        if (!s.kind().weightTangent() && !s.sharedWeights()) {
            w.linef("tp_real* const gwr = gw + row * %d;", s.weightNumel());
        }
        stageRows(w, s);
        w.linef("for (int q = lane; q < %d; q += %d) sgx[q] = 0;", s.dim1(), s.warpWidth());
        w.linef("for (int q = lane; q < %d; q += %d) sgy[q] = 0;", s.dim2(), s.warpWidth());
        w.line("tp_warp_sync();");
        for (Segment seg : s.segments()) {
            w.blank();
            w.comment("segment " + seg.index() + ": output-gradient blocks " + seg.blocks() + ", row elements ["
                    + seg.rowStart() + ", " + (seg.rowStart() + seg.length()) + ")");
            copy(w, s, "sseg", String.format("gout + row * %d + %d", s.dimOut(), seg.rowStart()), seg.length(),
                    seg.vecWidth(), false);
            w.line("tp_warp_sync();");
            for (PathPlan p : seg.paths()) {
                PathEmitter.backward(w, s, p);
            }
            w.line("tp_warp_sync();");
        }
        w.blank();
        boolean acc = s.kind().accumulate();
        w.open("if (gx != nullptr)");
        copy(w, s, String.format("gx + row * %d", s.dim1()), "sgx", s.dim1(), s.gxRowVec(), acc);
        w.close();
        w.open("if (gy != nullptr)");
        copy(w, s, String.format("gy + row * %d", s.dim2()), "sgy", s.dim2(), s.gyRowVec(), acc);
        w.close();
        w.line("tp_warp_sync();");
        w.close();
        if (s.gwInSharedMemory()) {
            w.line("tp_block_sync();");
            w.open("if (gw != nullptr)");
            w.linef("for (int q = threadIdx.x; q < %d; q += %d) tp_atomic_add(gw + q, sgw[q]);", s.weightNumel(),
                    s.launch().threadsPerBlock());
            w.close();
        }
        w.close();
    }

    private static void stageRows(SourceWriter w, Schedule s) {
        copy(w, s, "sx", String.format("x + row * %d", s.dim1()), s.dim1(), s.xRowVec(), false);
        copy(w, s, "sy", String.format("y + row * %d", s.dim2()), s.dim2(), s.yRowVec(), false);
    }

    /** A warp-cooperative copy of n elements, vec at a time (coalesced), optionally adding into dst. */
    static void copy(SourceWriter w, Schedule s, String dst, String src, int n, int vec, boolean add) {
        if (n == 0) {
            return;
        }
        if (add && vec != 1) {
            throw new IllegalStateException("the planner must not ask for vector accumulation");
        }
        String type = vec == 1 ? "tp_real" : "tp_vec" + vec;
        int count = n / vec;
        int lanes = s.warpWidth();
        w.open("");
        w.linef("const %s* const src = reinterpret_cast<const %s*>(%s);", type, type, src);
        w.linef("%s* const dst = reinterpret_cast<%s*>(%s);", type, type, dst);
        String op = add ? "+=" : "=";
        if (count / lanes > 0) {
            w.linef("#pragma unroll %d", Math.min(count / lanes, s.copyUnroll()));
            w.linef("for (int q = lane; q < %d; q += %d) dst[q] %s src[q];", count / lanes * lanes, lanes, op);
        }
        if (count % lanes != 0) {
            w.linef("if (lane < %d) dst[%d + lane] %s src[%d + lane];", count % lanes, count / lanes * lanes, op,
                    count / lanes * lanes);
        }
        w.close();
    }
}
