package org.e3spark.model.internal.mace;

import java.util.ArrayList;
import java.util.List;
import org.e3spark.kernels.CgConvention;
import org.e3spark.kernels.ClebschGordan;
import org.e3spark.kernels.Irreps;
import org.e3spark.kernels.MulIr;

/**
 * mace's {@code skip_tp}: e3nn's {@code FullyConnectedTensorProduct(irreps_in, Ex0e, irreps_out)}
 * of node features with the element one-hot. With a one-hot second input every path (block i of
 * irreps_in, the E scalars, block o of irreps_out with the same irrep) reduces to an
 * element-selected linear map: {@code y[n, o, w, m] += c_o W_k[u, z(n), w] x[n, i, u, m]}, W_k of
 * e3nn's uvw shape (mul_in, E, mul_out) in instruction order (i outer, o inner). The coefficient is
 * e3nn's: sqrt((2l+1) / sum of mul_in * E over the paths into o) times wigner_3j(l, 0, l)'s diagonal
 * (1 / sqrt(2l+1)), i.e. 1 / sqrt(fan_in).
 */
final class SkipTensorProduct {

    record Path(int inOffset, int outOffset, int mulIn, int mulOut, int dim, int weightOffset, double coef) {
    }

    private final Irreps in;
    private final Irreps out;
    private final int elements;
    private final List<Path> paths;
    private final int weightNumel;

    SkipTensorProduct(Irreps in, int elements, Irreps out) {
        this.in = in;
        this.out = out;
        this.elements = elements;
        int[] fan = new int[out.size()];
        for (int i = 0; i < in.size(); i++) {
            for (int o = 0; o < out.size(); o++) {
                if (in.get(i).irrep().equals(out.get(o).irrep())) {
                    fan[o] += in.get(i).mul() * elements;
                }
            }
        }
        List<Path> ps = new ArrayList<>();
        int w = 0;
        for (int i = 0; i < in.size(); i++) {
            for (int o = 0; o < out.size(); o++) {
                MulIr a = in.get(i);
                MulIr b = out.get(o);
                if (a.irrep().equals(b.irrep())) {
                    int l = a.l();
                    // wigner_3j(l, 0, l) is diagonal; its (0, 0, 0) entry carries value and sign
                    double cg = ClebschGordan.wigner3j(l, 0, l, CgConvention.E3NN)[0];
                    double coef = Math.sqrt((2 * l + 1) / (double) fan[o]) * cg;
                    ps.add(new Path(in.offset(i), out.offset(o), a.mul(), b.mul(), a.irrep().dim(), w, coef));
                    w += a.mul() * elements * b.mul();
                }
            }
        }
        this.paths = List.copyOf(ps);
        this.weightNumel = w;
    }

    int weightNumel() {
        return weightNumel;
    }

    Irreps out() {
        return out;
    }

    /** y (n x out.dim) for x (n x in.dim), element index per row. */
    double[] forward(double[] x, int[] species, double[] weight) {
        double[] y = new double[species.length * out.dim()];
        apply(x, y, species, weight, false);
        return y;
    }

    /** dL/dx from dL/dy. */
    double[] backward(double[] gy, int[] species, double[] weight) {
        double[] gx = new double[species.length * in.dim()];
        apply(gy, gx, species, weight, true);
        return gx;
    }

    /**
     * The map is linear in x, so backward is its transpose: the same coefficients c (path, row, u, v)
     * with the roles of the x block (u) and the y block (v) swapped. {@code transpose} false adds
     * c * from[x block] into to[y block] (forward); true adds c * from[y block] into to[x block]
     * (backward). Loops and summation order are the same both ways.
     */
    private void apply(double[] from, double[] to, int[] species, double[] weight, boolean transpose) {
        int n = species.length;
        int di = in.dim();
        int dout = out.dim();
        for (Path p : paths) {
            int d = p.dim();
            for (int r = 0; r < n; r++) {
                int z = species[r];
                for (int u = 0; u < p.mulIn(); u++) {
                    int wb = p.weightOffset() + (u * elements + z) * p.mulOut();
                    int xb = r * di + p.inOffset() + u * d;
                    for (int v = 0; v < p.mulOut(); v++) {
                        double c = p.coef() * weight[wb + v];
                        int yb = r * dout + p.outOffset() + v * d;
                        int src = transpose ? yb : xb;
                        int dst = transpose ? xb : yb;
                        for (int m = 0; m < d; m++) {
                            to[dst + m] += c * from[src + m];
                        }
                    }
                }
            }
        }
    }
}
