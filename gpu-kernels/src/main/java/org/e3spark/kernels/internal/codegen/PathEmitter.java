package org.e3spark.kernels.internal.codegen;

import org.e3spark.kernels.gpu.Literals;

import org.e3spark.kernels.gpu.SourceWriter;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.function.ToIntFunction;
import org.e3spark.kernels.ConnectionMode;
import org.e3spark.kernels.DType;

/**
 * Renders the arithmetic of one path: the CG contraction unrolled, one multiply-add per nonzero
 * with the coefficient as a literal. Lanes own channels: in uvu lane u mod warp owns channel u of
 * x and of the output; in uvw lanes first own the input-1 channels u (pair products into shared
 * memory), then the output channels w (the W mix). Every index is a literal from the {@link PathPlan}.
 */
final class PathEmitter {

    private PathEmitter() {
    }

    static void forward(SourceWriter w, Schedule s, PathPlan p) {
        comment(w, p);
        String store = p.assigns() && !s.convolution() ? "=" : "+=";
        int lanes = s.warpWidth();
        DType dt = s.dtype();
        if (p.mode() == ConnectionMode.UVU) {
            openChannels(w, s, "u", p.m1());
            loads(w, "x", "sx", p.xOffset() + " + u * " + p.xChannelStride(), p.xComponentStride(), used(p, CgTerm::i));
            declare(w, "a", p.d3());
            openV(w, p);
            loads(w, "y", "sy", p.yOffset() + " + v * " + p.yChannelStride(), p.yComponentStride(), used(p, CgTerm::j));
            declare(w, "t", p.d3());
            for (CgTerm t : p.terms()) {
                w.linef("t%d += %s * (x%d * y%d);", t.k(), Literals.of(t.value(), dt), t.i(), t.j());
            }
            if (p.hasWeight()) {
                w.linef("const tp_real wv = wr[%d + u * %d + v];", p.weightOffset(), p.m2());
            }
            for (int k = 0; k < p.d3(); k++) {
                w.linef(p.hasWeight() ? "a%d += wv * t%d;" : "a%d += t%d;", k, k);
            }
            w.close();
            storeOut(w, p, "u", store, "a");
            closeChannels(w, s, p.m1());
            return;
        }
        w.open(String.format("for (int wc = 0; wc < %d; wc += %d)", p.mo(), lanes));
        w.line("const int wo = wc + lane;");
        declare(w, "a", p.d3());
        w.open(String.format("for (int v = 0; v < %d; ++v)", p.m2()));
        loads(w, "y", "sy", p.yOffset() + " + v * " + p.yChannelStride(), p.yComponentStride(), used(p, CgTerm::j));
        w.open(String.format("for (int uc = 0; uc < %d; uc += %d)", p.m1(), lanes));
        pairProducts(w, s, p);
        w.linef("const int un = min(%d, %d - uc);", lanes, p.m1());
        w.open(String.format("if (wo < %d)", p.mo()));
        w.open("for (int q = 0; q < un; ++q)");
        w.linef("const tp_real wv = wr[%d + ((uc + q) * %d + v) * %d + wo];", p.weightOffset(), p.m2(), p.mo());
        for (int k = 0; k < p.d3(); k++) {
            w.linef("a%d += wv * spair[q * %d + %d];", k, s.smem().pairStride(), k);
        }
        w.close();
        w.close();
        w.line("tp_warp_sync();");
        w.close();
        w.close();
        w.open(String.format("if (wo < %d)", p.mo()));
        storeOut(w, p, "wo", store, "a");
        w.close();
        w.close();
    }

    static void backward(SourceWriter w, Schedule s, PathPlan p) {
        comment(w, p);
        int lanes = s.warpWidth();
        DType dt = s.dtype();
        boolean writeGw = p.hasWeight() && !s.kind().weightTangent();
        if (p.mode() == ConnectionMode.UVU) {
            List<Integer> ys = used(p, CgTerm::j);
            openV(w, p);
            loads(w, "y", "sy", p.yOffset() + " + v * " + p.yChannelStride(), p.yComponentStride(), ys);
            declareList(w, "p", ys);
            openChannels(w, s, "u", p.m1());
            loads(w, "x", "sx", p.xOffset() + " + u * " + p.xChannelStride(), p.xComponentStride(), used(p, CgTerm::i));
            loads(w, "g", "sseg", p.outOffset() + " + u * " + p.outChannelStride(), p.outComponentStride(),
                    used(p, CgTerm::k));
            String wv = "1";
            if (p.hasWeight()) {
                w.linef("const int widx = %d + u * %d + v;", p.weightOffset(), p.m2());
                w.line("const tp_real wv = wr[widx];");
                wv = "wv";
            }
            if (writeGw) {
                w.line("tp_real dw = 0;");
                for (CgTerm t : p.terms()) {
                    w.linef("dw += %s * (x%d * y%d * g%d);", Literals.of(t.value(), dt), t.i(), t.j(), t.k());
                }
                gwWrite(w, s, "widx", "dw");
            }
            List<Integer> xs = used(p, CgTerm::i);
            declareList(w, "bx", xs);
            declareList(w, "by", ys);
            for (CgTerm t : p.terms()) {
                w.linef("bx%d += %s * (y%d * g%d);", t.i(), Literals.of(t.value(), dt), t.j(), t.k());
                w.linef("by%d += %s * (x%d * g%d);", t.j(), Literals.of(t.value(), dt), t.i(), t.k());
            }
            for (int i : xs) {
                w.linef("sgx[%d + u * %d + %d] += %s * bx%d;", p.xOffset(), p.xChannelStride(), i * p.xComponentStride(), wv, i);
            }
            for (int j : ys) {
                w.linef("p%d += %s * by%d;", j, wv, j);
            }
            closeChannels(w, s, p.m1());
            reduceGy(w, s, p, ys);
            w.close();
            return;
        }
        List<Integer> ys = used(p, CgTerm::j);
        List<Integer> xs = used(p, CgTerm::i);
        w.open(String.format("for (int v = 0; v < %d; ++v)", p.m2()));
        loads(w, "y", "sy", p.yOffset() + " + v * " + p.yChannelStride(), p.yComponentStride(), ys);
        w.open(String.format("for (int uc = 0; uc < %d; uc += %d)", p.m1(), lanes));
        pairProducts(w, s, p);
        w.line("const int u = uc + lane;");
        w.linef("const int un = min(%d, %d - uc);", lanes, p.m1());
        declare(w, "s", p.d3());
        w.open(String.format("for (int wc = 0; wc < %d; wc += %d)", p.mo(), lanes));
        w.comment("lanes own output channels: stage W[u, v, w] for this tile, form dL/dW");
        w.line("const int wo = wc + lane;");
        w.open(String.format("if (wo < %d)", p.mo()));
        if (writeGw) {
            loads(w, "g", "sseg", p.outOffset() + " + wo * " + p.outChannelStride(), p.outComponentStride(), range(p.d3()));
        }
        w.open("for (int q = 0; q < un; ++q)");
        w.linef("const int widx = %d + ((uc + q) * %d + v) * %d + wo;", p.weightOffset(), p.m2(), p.mo());
        w.linef("swt[q * %d + lane] = wr[widx];", s.smem().weightStride());
        if (writeGw) {
            StringBuilder dot = new StringBuilder();
            for (int k = 0; k < p.d3(); k++) {
                dot.append(k == 0 ? "" : " + ").append(String.format("g%d * spair[q * %d + %d]", k, s.smem().pairStride(), k));
            }
            w.line("const tp_real dw = " + dot + ";");
            gwWrite(w, s, "widx", "dw");
        }
        w.close();
        w.close();
        w.line("tp_warp_sync();");
        w.comment("lanes own input-1 channels: s[k] = sum_w W[u, v, w] g[w, k]");
        w.open(String.format("if (u < %d)", p.m1()));
        w.linef("const int wn = min(%d, %d - wc);", lanes, p.mo());
        w.open("for (int q = 0; q < wn; ++q)");
        w.linef("const tp_real wv = swt[lane * %d + q];", s.smem().weightStride());
        w.linef("const tp_real* const gq = sseg + %d + (wc + q) * %d;", p.outOffset(), p.outChannelStride());
        for (int k = 0; k < p.d3(); k++) {
            w.linef("s%d += wv * gq[%d];", k, k * p.outComponentStride());
        }
        w.close();
        w.close();
        w.line("tp_warp_sync();");
        w.close();
        declareList(w, "p", ys);
        w.open(String.format("if (u < %d)", p.m1()));
        loads(w, "x", "sx", p.xOffset() + " + u * " + p.xChannelStride(), p.xComponentStride(), xs);
        declareList(w, "bx", xs);
        for (CgTerm t : p.terms()) {
            w.linef("bx%d += %s * (y%d * s%d);", t.i(), Literals.of(t.value(), dt), t.j(), t.k());
            w.linef("p%d += %s * (x%d * s%d);", t.j(), Literals.of(t.value(), dt), t.i(), t.k());
        }
        for (int i : xs) {
            w.linef("sgx[%d + u * %d + %d] += bx%d;", p.xOffset(), p.xChannelStride(), i * p.xComponentStride(), i);
        }
        w.close();
        reduceGy(w, s, p, ys);
        w.close();
        w.close();
    }

    /**
     * The loop over the channels lane, lane + W, ... below m: fully unrolled in tiles (last tile
     * guarded) when the schedule says so, else a plain strided loop.
     */
    private static void openChannels(SourceWriter w, Schedule s, String var, int m) {
        int lanes = s.warpWidth();
        if (!s.unrollChannels()) {
            w.open(String.format("for (int %s = lane; %s < %d; %s += %d)", var, var, m, var, lanes));
            return;
        }
        w.line("#pragma unroll");
        w.open(String.format("for (int %sc = 0; %sc < %d; %sc += %d)", var, var, m, var, lanes));
        w.linef("const int %s = %sc + lane;", var, var);
        if (m % lanes != 0) {
            w.open(String.format("if (%s < %d)", var, m));
        }
    }

    private static void closeChannels(SourceWriter w, Schedule s, int m) {
        if (s.unrollChannels() && m % s.warpWidth() != 0) {
            w.close();
        }
        w.close();
    }

    private static void openV(SourceWriter w, PathPlan p) {
        if (p.m2() <= 8) {
            w.line("#pragma unroll");
        }
        w.open(String.format("for (int v = 0; v < %d; ++v)", p.m2()));
    }

    /** uvw: lane u (of this tile) writes its CG-contracted x[u] (x) y[v] into the pair scratch. */
    private static void pairProducts(SourceWriter w, Schedule s, PathPlan p) {
        w.open(String.format("if (uc + lane < %d)", p.m1()));
        loads(w, "x", "sx", p.xOffset() + " + (uc + lane) * " + p.xChannelStride(), p.xComponentStride(),
                used(p, CgTerm::i));
        declare(w, "t", p.d3());
        for (CgTerm t : p.terms()) {
            w.linef("t%d += %s * (x%d * y%d);", t.k(), Literals.of(t.value(), s.dtype()), t.i(), t.j());
        }
        for (int k = 0; k < p.d3(); k++) {
            w.linef("spair[lane * %d + %d] = t%d;", s.smem().pairStride(), k, k);
        }
        w.close();
        w.line("tp_warp_sync();");
    }

    private static void reduceGy(SourceWriter w, Schedule s, PathPlan p, List<Integer> ys) {
        if (ys.isEmpty()) {
            return;
        }
        w.open(String.format("for (int o = %d; o > 0; o >>= 1)", s.warpWidth() / 2));
        for (int j : ys) {
            w.linef("p%d += tp_shfl_xor(p%d, o);", j, j);
        }
        w.close();
        w.open("if (lane == 0)");
        for (int j : ys) {
            w.linef("sgy[%d + v * %d + %d] += p%d;", p.yOffset(), p.yChannelStride(), j * p.yComponentStride(), j);
        }
        w.close();
    }

    private static void gwWrite(SourceWriter w, Schedule s, String index, String value) {
        if (s.convolution() && s.sharedWeights()) {
            w.comment("deterministic mode: this warp's own partial row; atomic mode: as below");
            w.open("if (gwp != nullptr)");
            w.linef("gwp[%s] += %s;", index, value);
            w.close();
            w.open("else");
            gwWriteUnfused(w, s, index, value);
            w.close();
            return;
        }
        gwWriteUnfused(w, s, index, value);
    }

    private static void gwWriteUnfused(SourceWriter w, Schedule s, String index, String value) {
        if (s.gwInSharedMemory()) {
            w.linef("tp_atomic_add(sgw + %s, %s);", index, value);
        } else if (s.sharedWeights()) {
            w.linef("if (gw != nullptr) tp_atomic_add(gw + %s, %s);", index, value);
        } else {
            w.linef("if (gw != nullptr) gwr[%s] %s %s;", index, s.kind().accumulate() ? "+=" : "=", value);
        }
    }

    private static void storeOut(SourceWriter w, PathPlan p, String channel, String op, String acc) {
        for (int k = 0; k < p.d3(); k++) {
            w.linef("sseg[%d + %s * %d + %d] %s %s%d;", p.outOffset(), channel, p.outChannelStride(),
                    k * p.outComponentStride(), op, acc, k);
        }
    }

    private static void comment(SourceWriter w, PathPlan p) {
        w.comment(String.format("path %d: %s %s, %s, %d CG nonzero(s), c = %s, w @ %d, out block %d @ %d",
                p.index(), p.label(), p.mode().e3nnName(), p.hasWeight() ? "weighted" : "weightless",
                p.terms().size(), Double.toString(p.coefficient()), p.weightOffset(), p.outBlock(), p.outRowOffset()));
    }

    private static void loads(SourceWriter w, String name, String array, String base, int stride, List<Integer> comps) {
        for (int c : comps) {
            w.linef("const tp_real %s%d = %s[%s + %d];", name, c, array, base, c * stride);
        }
    }

    private static void declare(SourceWriter w, String name, int n) {
        declareList(w, name, range(n));
    }

    private static void declareList(SourceWriter w, String name, List<Integer> idx) {
        if (idx.isEmpty()) {
            return;
        }
        StringBuilder sb = new StringBuilder("tp_real ");
        for (int q = 0; q < idx.size(); q++) {
            sb.append(q == 0 ? "" : ", ").append(name).append(idx.get(q)).append(" = 0");
        }
        w.line(sb.append(';').toString());
    }

    private static List<Integer> range(int n) {
        List<Integer> r = new ArrayList<>();
        for (int q = 0; q < n; q++) {
            r.add(q);
        }
        return r;
    }

    private static List<Integer> used(PathPlan p, ToIntFunction<CgTerm> f) {
        TreeSet<Integer> set = new TreeSet<>();
        for (CgTerm t : p.terms()) {
            set.add(f.applyAsInt(t));
        }
        return List.copyOf(set);
    }
}
