package org.e3spark.model.internal;

import java.util.ArrayList;
import java.util.List;
import org.e3spark.kernels.Irreps;
import org.e3spark.kernels.MulIr;

/**
 * e3nn's {@code o3.Linear(irreps_in, irreps_out)} without biases: channels mix within each irrep,
 * never across irreps. Instructions are every (input block i, output block o) of equal irreps, in
 * that loop order; weight block k is mul_in x mul_out, row-major, and the flat weight is their
 * concatenation (e3nn's {@code Linear.weight}). Each output block is normalized by
 * 1/sqrt(sum of mul_in over its instructions) ('element' path normalization); an output block no
 * instruction reaches is zero. Index contract: {@code y[n, o, w, m] += c_o W_k[u, w] x[n, i, u, m]}
 * (mul_ir layout). Stateless apart from the plan; weights are passed in.
 */
public final class EquivariantLinear {

    /**
     * One instruction: input block at {@code inOffset} (mul_in channels of dimension {@code dim}) into
     * output block at {@code outOffset}, weights {@code weightOffset .. + mulIn*mulOut} (row-major u, v),
     * scaled by {@code coef}.
     */
    public record Path(int inOffset, int outOffset, int mulIn, int mulOut, int dim, int weightOffset, double coef) {
    }

    private final Irreps in;
    private final Irreps out;
    private final List<Path> paths;
    private final int weightNumel;

    public EquivariantLinear(Irreps in, Irreps out) {
        this.in = in;
        this.out = out;
        int[] fanIn = new int[out.size()];
        for (int i = 0; i < in.size(); i++) {
            for (int o = 0; o < out.size(); o++) {
                if (in.get(i).irrep().equals(out.get(o).irrep())) {
                    fanIn[o] += in.get(i).mul();
                }
            }
        }
        List<Path> ps = new ArrayList<>();
        long w = 0; // exact: 100000x0e -> 100000x0e is 1e10 weights, which wrapped an int into a bogus size
        for (int i = 0; i < in.size(); i++) {
            for (int o = 0; o < out.size(); o++) {
                MulIr a = in.get(i);
                MulIr b = out.get(o);
                if (a.irrep().equals(b.irrep())) {
                    if (w + (long) a.mul() * b.mul() > ModelPlan.MAX_WEIGHTS) {
                        throw new IllegalArgumentException("o3.Linear(" + in + " -> " + out + ") needs more than "
                                + ModelPlan.MAX_WEIGHTS + " weights (the most one weight tensor may hold)");
                    }
                    ps.add(new Path(in.offset(i), out.offset(o), a.mul(), b.mul(), a.irrep().dim(), (int) w,
                            fanIn[o] == 0 ? 0 : 1.0 / Math.sqrt(fanIn[o])));
                    w += (long) a.mul() * b.mul();
                }
            }
        }
        this.paths = List.copyOf(ps);
        this.weightNumel = (int) w;
    }

    public Irreps in() {
        return in;
    }

    public Irreps out() {
        return out;
    }

    public int weightNumel() {
        return weightNumel;
    }

    /** The instructions in e3nn's order (GPU kernels are generated from them). */
    public List<Path> paths() {
        return paths;
    }

    /** y = Linear(x) for n rows. */
    public double[] forward(double[] x, int n, double[] weight) {
        return apply(x, n, weight, false);
    }

    /** dL/dx from dL/dy (the transpose). */
    public double[] backward(double[] gy, int n, double[] weight) {
        return apply(gy, n, weight, true);
    }

    /**
     * The map or its transpose: per path, out channel v += coef * W[u, v] * in channel u (forward), or
     * in channel u += coef * W[u, v] * out channel v (transpose), for every component m.
     */
    private double[] apply(double[] src, int n, double[] weight, boolean transpose) {
        int di = in.dim();
        int dout = out.dim();
        // rows are independent: chunks of rows run in parallel, each row's sums in the serial order
        double[] dst = new double[n * (transpose ? di : dout)];
        RowChunks.forEach(n, (from, to) -> {
            for (Path p : paths) {
                apply(p, src, dst, weight, transpose, from, to);
            }
        });
        return dst;
    }

    /**
     * One path over rows [first, last), GEMM-shaped: the chunk's source block is transposed to
     * [channel][row, component] so that each weight multiplies a contiguous run of (rows x dim) values
     * (the JIT vectorizes it) instead of a loop of length dim (1 to 7). The destination block starts
     * from dst's values and each element sums its channels in the same order as a per-row loop, so the
     * bits are those of the plain loop.
     */
    private void apply(Path p, double[] src, double[] dst, double[] weight, boolean transpose, int first, int last) {
        int di = in.dim();
        int dout = out.dim();
        int d = p.dim();
        int n = (last - first) * d;
        int srcMul = transpose ? p.mulOut() : p.mulIn();
        int dstMul = transpose ? p.mulIn() : p.mulOut();
        int srcDim = transpose ? dout : di;
        int dstDim = transpose ? di : dout;
        int srcOff = transpose ? p.outOffset() : p.inOffset();
        int dstOff = transpose ? p.inOffset() : p.outOffset();
        double[] a = new double[srcMul * n];
        double[] b = new double[dstMul * n];
        gather(src, srcDim, srcOff, srcMul, d, first, last, a);
        gather(dst, dstDim, dstOff, dstMul, d, first, last, b);
        int mulOut = p.mulOut();
        if (!transpose) {
            for (int u = 0; u < p.mulIn(); u++) {
                int wb = p.weightOffset() + u * mulOut;
                int ab = u * n;
                for (int v = 0; v < mulOut; v++) {
                    double c = p.coef() * weight[wb + v];
                    if (c != 0) {
                        axpy(c, a, ab, b, v * n, n);
                    }
                }
            }
        } else {
            for (int u = 0; u < p.mulIn(); u++) {
                int wb = p.weightOffset() + u * mulOut;
                int bb = u * n;
                for (int v = 0; v < mulOut; v++) {
                    double c = p.coef() * weight[wb + v];
                    if (c != 0) {
                        axpy(c, a, v * n, b, bb, n);
                    }
                }
            }
        }
        for (int r = first; r < last; r++) {
            int rowAt = (r - first) * d;
            int base = r * dstDim + dstOff;
            for (int u = 0; u < dstMul; u++) {
                System.arraycopy(b, u * n + rowAt, dst, base + u * d, d);
            }
        }
    }

    /** to[u * n + (r - first) * d + m] = from[r * rowDim + offset + u * d + m], n = (last - first) * d. */
    private static void gather(double[] from, int rowDim, int offset, int mul, int d, int first, int last, double[] to) {
        int n = (last - first) * d;
        for (int r = first; r < last; r++) {
            int rowAt = (r - first) * d;
            int base = r * rowDim + offset;
            for (int u = 0; u < mul; u++) {
                System.arraycopy(from, base + u * d, to, u * n + rowAt, d);
            }
        }
    }

    /** y[yo + q] += c * x[xo + q] for q < n. */
    private static void axpy(double c, double[] x, int xo, double[] y, int yo, int n) {
        for (int q = 0; q < n; q++) {
            y[yo + q] += c * x[xo + q];
        }
    }
}
