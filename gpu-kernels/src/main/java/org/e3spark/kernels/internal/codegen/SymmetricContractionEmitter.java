package org.e3spark.kernels.internal.codegen;

import org.e3spark.kernels.gpu.GpuTarget;

import org.e3spark.kernels.gpu.Literals;

import org.e3spark.kernels.gpu.DialectPrelude;

import org.e3spark.kernels.gpu.SourceWriter;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Function;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.SymmetricContractionProblem;
import org.e3spark.kernels.internal.codegen.SymmetricContractionPlan.Chunk;
import org.e3spark.kernels.internal.codegen.SymmetricContractionPlan.Monomial;
import org.e3spark.kernels.internal.codegen.SymmetricContractionPlan.Pair;

/**
 * Writes the CUDA/HIP source of a symmetric contraction from its {@link SymmetricContractionPlan}:
 * the polynomial unrolled with its coefficients as literals, one thread per (node, channel) with x's
 * row, the output (or gradient) components and one chunk's weights in registers. The same body
 * serves both dialects; only {@link DialectPrelude} differs. Kernels loop grid-stride, so any grid
 * of at least one block is correct.
 *
 * <p>Expected performance (MACE-MP-medium: 128x0e+128x1o+128x2e+128x3o -> 128x0e+128x1o, correlation
 * 3, 20,000 nodes: 2.56M node-channels, 1,909 terms, 410 pairs, 478 monomials of degree >= 1): the
 * forward is about 2.6k FP instructions per node-channel (one FMA per term and pair, at most one
 * multiplication per monomial), 6.7 G in all: about 0.2 ms at the H200's 33.5 T FP32 instructions/s
 * and 0.4 ms in FP64 (half rate), against a memory-bound floor of about 50 us (f32: x 164 MB read,
 * out 41 MB written, weights 0.4 MB) — the kernel is compute bound by design, about 5x above the copy
 * limit but well under mace-torch's 120 ms / 50 = 2.4 ms target. The x-gradient pass costs about 1.5x
 * the forward; the weight-gradient pass repeats the forward's term FMAs once more (per chunk) plus
 * partial rows of at most min(elements, 32) x 86 x C values per 32-node segment (275 MB f32 for the
 * MACE shape) written once and read once by the ordered final sum.
 */
public final class SymmetricContractionEmitter {

    /** Threads per block of every kernel. */
    public static final int THREADS = 128;
    /** Resident blocks per multiprocessor the grid is capped at (more only adds waves; loops are grid-stride). */
    static final int BLOCKS_PER_SM = 16;
    /** 32-bit registers one chunk's weights may take (a float64 takes two); beyond, weights are loaded where used. */
    static final int MAX_REGISTER_WEIGHTS = 128;
    /** Segments the ordered weight-gradient sum loads at once. */
    static final int REDUCE_UNROLL = 8;

    /** One generated kernel: the kernel and how to launch it (items = grid-stride work items). */
    public record Entry(ScKernel kernel, String name, LaunchConfig launch) {
    }

    /** One translation unit. */
    public record Generated(String source, GpuTarget target, List<Entry> entries) {

        public Generated {
            Objects.requireNonNull(source, "source");
            entries = List.copyOf(entries);
        }

        public Entry entry(ScKernel k) {
            return entries.stream().filter(e -> e.kernel() == k).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no " + k + " kernel generated"));
        }
    }

    private final SymmetricContractionPlan plan;
    private final SymmetricContractionProblem p;
    private final DType dt;
    private final SourceWriter w = new SourceWriter();
    private final int c;
    private final int d;
    private final int e;

    private SymmetricContractionEmitter(SymmetricContractionPlan plan, DType dt) {
        this.plan = plan;
        this.p = plan.problem();
        this.dt = dt;
        this.c = p.channels();
        this.d = p.couplingDim();
        this.e = p.elements();
    }

    /** The full source (prelude for the target's dialect, then the kernels). */
    public static Generated generate(SymmetricContractionPlan plan, DType dtype, GpuTarget target,
                                     List<ScKernel> kernels) {
        if (!plan.unrollable()) {
            throw new IllegalArgumentException(plan.terms() + " terms exceed the " + SymmetricContractionPlan.MAX_UNROLLED_TERMS
                    + " the unrolled GPU kernels take for " + plan.problem());
        }
        String body = body(plan, dtype, kernels);
        String source = DialectPrelude.render(target.dialect(), dtype, target.warpWidth()) + body;
        List<Entry> entries = new ArrayList<>();
        LaunchConfig launch = new LaunchConfig(THREADS, THREADS, target.multiprocessors() * BLOCKS_PER_SM, 0);
        for (ScKernel k : kernels) {
            entries.add(new Entry(k, k.entryName(), launch));
        }
        return new Generated(source, target, entries);
    }

    /** The kernels without a prelude: the text shared by every dialect (tests compile it for the host too). */
    public static String body(SymmetricContractionPlan plan, DType dtype, List<ScKernel> kernels) {
        SymmetricContractionEmitter em = new SymmetricContractionEmitter(plan, dtype);
        em.header();
        for (ScKernel k : new TreeSet<>(kernels)) {
            switch (k) {
                case FORWARD -> em.forward(false);
                case FORWARD_TANGENT -> em.forward(true);
                case BACKWARD_X -> em.backwardX(false);
                case BACKWARD_X_TANGENT -> em.backwardX(true);
                case WEIGHT_PARTIALS -> em.weightPartials(false);
                case WEIGHT_PARTIALS_TANGENT -> em.weightPartials(true);
                case WEIGHT_REDUCE -> em.weightReduce();
            }
        }
        return em.w.toString();
    }

    // ------------------------------------------------------------------ pieces

    private void header() {
        w.comment("symmetric contraction " + p);
        w.comment("D = " + d + ", C = " + c + ", elements = " + e + ", " + plan.terms() + " terms, " + plan.pairs()
                + " pairs, " + plan.chunks().size() + " weight chunks, " + plan.pathsTotal() + " weight columns, "
                + dt);
        w.comment("one thread per (node, channel); coefficients are literals; no atomics");
        w.blank();
    }

    private String lit(double v) {
        return Literals.of(v, dt);
    }

    private String zero() {
        return lit(0.0);
    }

    private String fma(String a, String b, String acc) {
        return (dt == DType.FLOAT64 ? "fma(" : "fmaf(") + a + ", " + b + ", " + acc + ")";
    }

    private void kernelHead(ScKernel k, String params) {
        w.line("extern \"C\" __global__ void __launch_bounds__(" + THREADS + ") " + k.entryName() + "(" + params + ")")
                .open("");
    }

    private void gridStride(String items) {
        w.line("const long long items = " + items + ";");
        w.open("for (long long t = (long long) blockIdx.x * blockDim.x + threadIdx.x; t < items; "
                + "t += (long long) gridDim.x * blockDim.x)");
    }

    private void nodeChannel() {
        w.linef("const int n = (int) (t / %d);", c);
        w.linef("const int c = (int) (t - (long long) n * %d);", c);
    }

    /** Loads row (n, c) of a batch x C x D buffer into registers {@code name0..}; vectorized where aligned. */
    private void loadRow(String buffer, String name) {
        w.linef("const tp_real* __restrict__ %sr = %s + ((long long) n * %d + c) * %d;", name, buffer, c, d);
        int width = dt == DType.FLOAT32 ? (d % 4 == 0 ? 4 : 1) : (d % 2 == 0 ? 2 : 1);
        if (width == 1) {
            for (int j = 0; j < d; j++) {
                w.linef("const tp_real %s%d = %sr[%d];", name, j, name, j);
            }
            return;
        }
        String vec = width == 4 ? "tp_vec4" : "tp_vec2";
        String[] lanes = {"x", "y", "z", "w"};
        for (int v = 0; v < d / width; v++) {
            w.linef("const %s %sv%d = reinterpret_cast<const %s*>(%sr)[%d];", vec, name, v, vec, name, v);
            for (int l = 0; l < width; l++) {
                w.linef("const tp_real %s%d = %sv%d.%s;", name, v * width + l, name, v, lanes[l]);
            }
        }
    }

    /** Row (n, c) of x into {@code x0..}, and with {@code tangent} its direction dx into {@code dx0..}. */
    private void loadInputRows(boolean tangent) {
        loadRow("x", "x");
        if (tangent) {
            loadRow("dx", "dx");
        }
    }

    private void speciesCheck() {
        w.line("const int z = species[n];");
    }

    private static String bad(int elements) {
        return "z < 0 || z >= " + elements;
    }

    private String outRow(String buffer, String name, Chunk ch) {
        return String.format(java.util.Locale.ROOT, "%s* __restrict__ %s = %s + (long long) n * %d + (%d + c * %d);",
                "tp_real", name, buffer, p.outputDim(), ch.outputOffset(), ch.outputDim());
    }

    /**
     * The chunk's row of weights W[z, :, c]: into registers {@code name0..} when they fit the register
     * budget ({@link #MAX_REGISTER_WEIGHTS}), else only the row pointer, and each term reads its weight
     * where it is used (an L1 hit after the first node of the warp) instead of spilling.
     */
    private void loadWeights(String buffer, String name, Chunk ch) {
        w.linef("const tp_real* __restrict__ %sr = %s + (%dLL + (long long) z * %d) + c;", name, buffer,
                ch.weightOffset(), ch.paths() * c);
        if (!inRegisters(ch)) {
            w.comment(ch.paths() + " weight columns exceed the register budget: read where used");
            return;
        }
        for (int k : usedPaths(ch)) {
            w.linef("const tp_real %s%d = %sr[%d];", name, k, name, k * c);
        }
    }

    /**
     * The chunk's weight passes, each a block that loads its weights ({@link #loadWeights}) then emits
     * {@code body}: one pass with W; with {@code tangent} two, W (against the tangent of what multiplies
     * it) then dW (against that itself), so only one chunk's weights are live at a time (fewer registers,
     * no spills in f64). {@code comment} and {@code body} are told whether theirs is the dW pass.
     */
    private void weightPasses(Chunk ch, boolean tangent, Function<Boolean, String> comment, Consumer<Boolean> body) {
        for (int pass = 0; pass < (tangent ? 2 : 1); pass++) {
            boolean dwPass = pass == 1;
            w.open("");
            w.comment(comment.apply(dwPass));
            loadWeights(dwPass ? "dw" : "w", "w", ch);
            body.accept(dwPass);
            w.close();
        }
    }

    private boolean inRegisters(Chunk ch) {
        return (long) ch.paths() * (dt == DType.FLOAT64 ? 2 : 1) <= MAX_REGISTER_WEIGHTS;
    }

    /** Weight column k of the current chunk: its register, or a load when the chunk's weights do not fit. */
    private String weight(Chunk ch, String name, int k) {
        return inRegisters(ch) ? name + k : name + "r[" + (long) k * c + "]";
    }

    private static TreeSet<Integer> usedPaths(Chunk ch) {
        TreeSet<Integer> used = new TreeSet<>();
        for (Monomial m : ch.monomials()) {
            for (Pair q : m.pairs()) {
                for (int k : q.paths()) {
                    used.add(k);
                }
            }
        }
        return used;
    }

    /** sum_j coefficient_j * {name}{k_j} as nested FMAs. */
    private String pairValue(Chunk ch, Pair q, String name) {
        String v = lit(q.coefficients()[0]) + " * " + weight(ch, name, q.paths()[0]);
        for (int j = 1; j < q.paths().length; j++) {
            v = fma(lit(q.coefficients()[j]), weight(ch, name, q.paths()[j]), v);
        }
        return v;
    }

    private static String product(int[] idx, int skip1, int skip2) {
        StringBuilder s = new StringBuilder();
        for (int r = 0; r < idx.length; r++) {
            if (r == skip1 || r == skip2) {
                continue;
            }
            if (!s.isEmpty()) {
                s.append(" * ");
            }
            s.append('x').append(idx[r]);
        }
        return s.isEmpty() ? null : s.toString();
    }

    /** The monomial's value. */
    private static String mono(int[] idx) {
        return product(idx, -1, -1);
    }

    /** d monomial / d x[idx[r]] (null for degree 1: the derivative is 1). */
    private static String deriv(int[] idx, int r) {
        return product(idx, r, -1);
    }

    /** The monomial's tangent along dx: sum_r dx[idx[r]] * prod_{u != r} x[idx[u]]. */
    private static String dot(int[] idx) {
        List<String> parts = new ArrayList<>();
        for (int r = 0; r < idx.length; r++) {
            String rest = product(idx, r, -1);
            parts.add(rest == null ? "dx" + idx[r] : "dx" + idx[r] + " * " + rest);
        }
        return "(" + String.join(" + ", parts) + ")";
    }

    /** The tangent along dx of d monomial / d x[idx[r]]; null when it is zero (degree 1). */
    private static String derivDot(int[] idx, int r) {
        List<String> parts = new ArrayList<>();
        for (int u = 0; u < idx.length; u++) {
            if (u == r) {
                continue;
            }
            String rest = product(idx, r, u);
            parts.add(rest == null ? "dx" + idx[u] : "dx" + idx[u] + " * " + rest);
        }
        return parts.isEmpty() ? null : "(" + String.join(" + ", parts) + ")";
    }

    // ------------------------------------------------------------------ kernels

    /** out = SC(x, w), or with {@code tangent} out = dSC along (dx, dw) (double backward's gradOut part). */
    private void forward(boolean tangent) {
        ScKernel k = tangent ? ScKernel.FORWARD_TANGENT : ScKernel.FORWARD;
        w.comment(tangent ? "out[n, M, c] = sum_pairs V_w * dmono(dx) + V_dw * mono (a JVP; every element written)"
                : "out[n, M, c] = sum_pairs (sum_terms coefficient * W[z, k, c]) * mono(x[n, c, :]); every element written");
        kernelHead(k, tangent
                ? "const tp_real* __restrict__ x, const tp_real* __restrict__ dx, const int* __restrict__ species, "
                + "const tp_real* __restrict__ w, const tp_real* __restrict__ dw, tp_real* __restrict__ out, int batch"
                : "const tp_real* __restrict__ x, const int* __restrict__ species, const tp_real* __restrict__ w, "
                + "tp_real* __restrict__ out, int batch");
        gridStride("(long long) batch * " + c);
        nodeChannel();
        speciesCheck();
        w.open("if (" + bad(e) + ")");
        w.comment("a bad species (device API; the host API refuses it first) writes zeros and reads no weights");
        for (int i = 0; i < p.outputs().size(); i++) {
            Chunk first = plan.chunksOf(i).getFirst();
            w.open("");
            w.line(outRow("out", "orow", first));
            for (int m = 0; m < first.outputDim(); m++) {
                w.linef("orow[%d] = %s;", m, zero());
            }
            w.close();
        }
        w.line("continue;");
        w.close();
        loadInputRows(tangent);
        for (int i = 0; i < p.outputs().size(); i++) {
            List<Chunk> chunks = plan.chunksOf(i);
            int dim = chunks.getFirst().outputDim();
            w.open("");
            w.comment("output irrep " + i + ": " + p.outputs().get(i));
            for (int m = 0; m < dim; m++) {
                w.linef("tp_real o%d = %s;", m, zero());
            }
            for (Chunk ch : chunks) {
                if (ch.monomials().isEmpty()) {
                    continue;
                }
                weightPasses(ch, tangent,
                        dwPass -> "nu = " + ch.nu() + ": " + ch.paths() + " weight columns, " + ch.monomials().size()
                                + " monomials" + (tangent ? (dwPass ? "; dW x monomial" : "; W x tangent of the monomial") : ""),
                        dwPass -> {
                    for (Monomial mo : ch.monomials()) {
                        w.open("");
                        w.line("const tp_real m = " + (tangent && !dwPass ? dot(mo.indices()) : mono(mo.indices())) + ";");
                        for (Pair q : mo.pairs()) {
                            String o = "o" + q.component();
                            w.line(o + " = " + fma(pairValue(ch, q, "w"), "m", o) + ";");
                        }
                        w.close();
                    }
                });
            }
            w.line(outRow("out", "orow", chunks.getFirst()));
            for (int m = 0; m < dim; m++) {
                w.linef("orow[%d] = o%d;", m, m);
            }
            w.close();
        }
        w.close(); // loop
        w.close(); // kernel
        w.blank();
    }

    /**
     * gx = d/dx sum(out * gradOut); with {@code tangent} ggx = the tangent of that along (dx, dw)
     * (double backward's x part). Every element of the row written.
     */
    private void backwardX(boolean tangent) {
        ScKernel k = tangent ? ScKernel.BACKWARD_X_TANGENT : ScKernel.BACKWARD_X;
        w.comment(tangent ? "ggx = d/ddx-direction of gx: s * d(dmono/dx)(dx) + s_dw * dmono/dx; every element written"
                : "gx[n, c, j] = sum_monomials s * dmono/dx_j, s = sum_pairs gradOut[M] * V; every element written");
        kernelHead(k, tangent
                ? "const tp_real* __restrict__ x, const tp_real* __restrict__ dx, const int* __restrict__ species, "
                + "const tp_real* __restrict__ w, const tp_real* __restrict__ dw, const tp_real* __restrict__ gout, "
                + "tp_real* __restrict__ gx, int batch"
                : "const tp_real* __restrict__ x, const int* __restrict__ species, const tp_real* __restrict__ w, "
                + "const tp_real* __restrict__ gout, tp_real* __restrict__ gx, int batch");
        gridStride("(long long) batch * " + c);
        nodeChannel();
        speciesCheck();
        w.linef("tp_real* __restrict__ gxr = gx + ((long long) n * %d + c) * %d;", c, d);
        w.open("if (" + bad(e) + ")");
        for (int j = 0; j < d; j++) {
            w.linef("gxr[%d] = %s;", j, zero());
        }
        w.line("continue;");
        w.close();
        loadInputRows(tangent);
        for (int j = 0; j < d; j++) {
            w.linef("tp_real a%d = %s;", j, zero());
        }
        for (int i = 0; i < p.outputs().size(); i++) {
            List<Chunk> chunks = plan.chunksOf(i);
            w.open("");
            w.comment("output irrep " + i + ": " + p.outputs().get(i));
            Chunk first = chunks.getFirst();
            w.linef("const tp_real* __restrict__ grow = gout + (long long) n * %d + (%d + c * %d);", p.outputDim(),
                    first.outputOffset(), first.outputDim());
            for (int m = 0; m < first.outputDim(); m++) {
                w.linef("const tp_real g%d = grow[%d];", m, m);
            }
            for (Chunk ch : chunks) {
                if (ch.monomials().isEmpty()) {
                    continue;
                }
                weightPasses(ch, tangent,
                        dwPass -> "nu = " + ch.nu() + (tangent ? (dwPass ? "; dW x dmono/dx" : "; W x tangent of dmono/dx") : ""),
                        dwPass -> {
                    for (Monomial mo : ch.monomials()) {
                        int[] idx = mo.indices();
                        if (tangent && !dwPass && idx.length == 1) {
                            continue; // degree 1: dmono/dx is constant, its tangent zero
                        }
                        w.open("");
                        w.line("tp_real s = " + zero() + ";");
                        for (Pair q : mo.pairs()) {
                            w.line("s = " + fma("g" + q.component(), pairValue(ch, q, "w"), "s") + ";");
                        }
                        for (int r = 0; r < idx.length; r++) {
                            String a = "a" + idx[r];
                            String der = tangent && !dwPass ? derivDot(idx, r) : deriv(idx, r);
                            w.line(a + " = " + (der == null ? a + " + s" : fma("s", der, a)) + ";");
                        }
                        w.close();
                    }
                });
            }
            w.close();
        }
        for (int j = 0; j < d; j++) {
            w.linef("gxr[%d] = a%d;", j, j);
        }
        w.close();
        w.close();
        w.blank();
    }

    /**
     * Thread (segment, channel): for each element present among the segment's nodes, in element order,
     * the weight gradient summed over those nodes in node order, one chunk's accumulators at a time,
     * written to the segment's next partial row; slots[segment, element] says which row (-1: absent).
     * With {@code tangent} each monomial is replaced by its tangent along dx (double backward's w part).
     */
    private void weightPartials(boolean tangent) {
        ScKernel k = tangent ? ScKernel.WEIGHT_PARTIALS_TANGENT : ScKernel.WEIGHT_PARTIALS;
        int seg = SymmetricContractionPlan.SEGMENT_ROWS;
        int slots = plan.slotsPerSegment();
        long rowStride = (long) plan.pathsTotal() * c;
        w.comment("partial[segment, slot, path, c] = sum over the segment's nodes of element z: gradOut[M] * coefficient * "
                + (tangent ? "dmono(dx)" : "mono") + "; slots[segment, z] = slot or -1");
        kernelHead(k, "const tp_real* __restrict__ x, " + (tangent ? "const tp_real* __restrict__ dx, " : "")
                + "const int* __restrict__ species, const tp_real* __restrict__ gout, tp_real* __restrict__ partial, "
                + "int* __restrict__ slots, int batch");
        w.linef("const int segments = (batch + %d) / %d;", seg - 1, seg);
        gridStride("(long long) segments * " + c);
        w.linef("const int s = (int) (t / %d);", c);
        w.linef("const int c = (int) (t - (long long) s * %d);", c);
        w.linef("const int n0 = s * %d;", seg);
        w.linef("const int n1 = n0 + %d < batch ? n0 + %d : batch;", seg, seg);
        w.line("int slot = 0;");
        w.open("for (int zz = 0; zz < " + e + "; ++zz)");
        w.line("bool present = false;");
        w.open("for (int n = n0; n < n1; ++n)");
        w.open("if (species[n] == zz)");
        w.line("present = true;");
        w.line("break;");
        w.close();
        w.close();
        w.open("if (c == 0)");
        w.linef("slots[(long long) s * %d + zz] = present ? slot : -1;", e);
        w.close();
        w.open("if (!present)");
        w.line("continue;");
        w.close();
        w.linef("tp_real* __restrict__ prow = partial + ((long long) s * %d + slot) * %dLL + c;", slots, rowStride);
        for (Chunk ch : plan.chunks()) {
            w.open("");
            w.comment("output " + ch.output() + ", nu = " + ch.nu() + ": " + ch.paths() + " columns");
            for (int kk = 0; kk < ch.paths(); kk++) {
                w.linef("tp_real acc%d = %s;", kk, zero());
            }
            if (!ch.monomials().isEmpty()) {
                w.open("for (int n = n0; n < n1; ++n)");
                w.open("if (species[n] != zz)");
                w.line("continue;");
                w.close();
                loadInputRows(tangent);
                w.linef("const tp_real* __restrict__ grow = gout + (long long) n * %d + (%d + c * %d);", p.outputDim(),
                        ch.outputOffset(), ch.outputDim());
                TreeSet<Integer> comps = new TreeSet<>();
                for (Monomial mo : ch.monomials()) {
                    for (Pair q : mo.pairs()) {
                        comps.add(q.component());
                    }
                }
                for (int m : comps) {
                    w.linef("const tp_real g%d = grow[%d];", m, m);
                }
                for (Monomial mo : ch.monomials()) {
                    w.open("");
                    w.line("const tp_real m = " + (tangent ? dot(mo.indices()) : mono(mo.indices())) + ";");
                    for (Pair q : mo.pairs()) {
                        w.open("");
                        w.line("const tp_real h = g" + q.component() + " * m;");
                        for (int j = 0; j < q.paths().length; j++) {
                            String acc = "acc" + q.paths()[j];
                            w.line(acc + " = " + fma(lit(q.coefficients()[j]), "h", acc) + ";");
                        }
                        w.close();
                    }
                    w.close();
                }
                w.close();
            }
            for (int kk = 0; kk < ch.paths(); kk++) {
                w.linef("prow[%dLL] = acc%d;", (long) (ch.localPathOffset() + kk) * c, kk);
            }
            w.close();
        }
        w.line("++slot;");
        w.close(); // zz
        w.close(); // grid stride
        w.close(); // kernel
        w.blank();
    }

    /** gw[flat] = sum over segments, in order, of the partial row of the element, if present. */
    private void weightReduce() {
        int seg = SymmetricContractionPlan.SEGMENT_ROWS;
        long rowStride = (long) plan.pathsTotal() * c;
        w.comment("gw[z, k, c] = sum over segments in order of partial[segment, slots[segment, z], k, c]; every element written");
        kernelHead(ScKernel.WEIGHT_REDUCE, "const tp_real* __restrict__ partial, const int* __restrict__ slots, "
                + "tp_real* __restrict__ gw, int batch");
        w.linef("const int segments = (batch + %d) / %d;", seg - 1, seg);
        gridStride(p.weightNumel() + "LL");
        w.line("int z = 0;");
        w.line("long long col = 0;");
        List<Chunk> byOffset = new ArrayList<>(plan.chunks());
        byOffset.sort(Comparator.comparingInt(Chunk::weightOffset));
        for (int i = 0; i < byOffset.size(); i++) {
            Chunk ch = byOffset.get(i);
            long pc = (long) ch.paths() * c;
            long end = ch.weightOffset() + pc * e;
            w.open((i == 0 ? "" : "else ") + "if (t < " + end + "LL)");
            w.linef("const long long l = t - %dLL;", ch.weightOffset());
            w.linef("z = (int) (l / %d);", pc);
            w.linef("col = %dLL + (l - (long long) z * %d);", (long) ch.localPathOffset() * c, pc);
            w.close();
        }
        w.line("tp_real acc = " + zero() + ";");
        w.line("int s = 0;");
        w.comment(REDUCE_UNROLL + " segments per step: their loads are issued together (a thread would otherwise wait on"
                + " one DRAM load per segment), then added in segment order, so the sum is the sequential one");
        w.open("for (; s + " + (REDUCE_UNROLL - 1) + " < segments; s += " + REDUCE_UNROLL + ")");
        for (int u = 0; u < REDUCE_UNROLL; u++) {
            w.linef("const int slot%d = slots[(long long) (s + %d) * %d + z];", u, u, e);
        }
        for (int u = 0; u < REDUCE_UNROLL; u++) {
            w.linef("const tp_real v%d = slot%d >= 0 ? partial[((long long) (s + %d) * %d + slot%d) * %dLL + col] : %s;",
                    u, u, u, plan.slotsPerSegment(), u, rowStride, zero());
        }
        for (int u = 0; u < REDUCE_UNROLL; u++) {
            w.linef("acc += v%d;", u);
        }
        w.close();
        w.open("for (; s < segments; ++s)");
        w.linef("const int slot = slots[(long long) s * %d + z];", e);
        w.open("if (slot >= 0)");
        w.linef("acc += partial[((long long) s * %d + slot) * %dLL + col];", plan.slotsPerSegment(), rowStride);
        w.close();
        w.close();
        w.line("gw[t] = acc;");
        w.close();
        w.close();
        w.blank();
    }
}
