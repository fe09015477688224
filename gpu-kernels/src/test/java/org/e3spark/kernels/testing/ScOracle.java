package org.e3spark.kernels.testing;

import java.util.Random;
import org.e3spark.kernels.Backend;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.SymmetricContraction;
import org.e3spark.kernels.SymmetricContractionProblem;

/**
 * The float64 CPU engine as the oracle of the GPU kernels in every direction, with the device API's
 * rule for bad species: such a row reads no weights, gets zeros in out, gx, ggx and ggOut, and adds
 * nothing to the weight gradients. The oracle runs the CPU on the good rows only and scatters back.
 */
public final class ScOracle {

    private ScOracle() {
    }

    /** Expected results (float64), laid out like the kernels' outputs. */
    public record Expected(double[] out, double[] gx, double[] gw, double[] ggx, double[] ggw, double[] ggOut) {
    }

    /** Inputs of one check. */
    public record Inputs(int batch, double[] x, int[] species, double[] w, double[] g, double[] dx, double[] dw) {

        /** The same inputs rounded to float32 (species unchanged). */
        public Inputs roundedToFloat() {
            return new Inputs(batch, round(x), species, round(w), round(g), round(dx), round(dw));
        }

        private static double[] round(double[] a) {
            double[] r = new double[a.length];
            for (int i = 0; i < a.length; i++) {
                r[i] = (float) a[i];
            }
            return r;
        }
    }

    /** Random inputs; every {@code badEvery}-th row (if > 0) gets an out-of-range species. */
    public static Inputs random(SymmetricContractionProblem p, int batch, long seed, int badEvery) {
        Random rng = new Random(seed);
        int[] species = new int[batch];
        for (int n = 0; n < batch; n++) {
            species[n] = rng.nextInt(p.elements());
            if (badEvery > 0 && n % badEvery == badEvery - 1) {
                species[n] = (n / badEvery) % 2 == 0 ? -1 : p.elements();
            }
        }
        return new Inputs(batch, RandomData.normal(rng, batch * p.inputDim()), species,
                RandomData.normal(rng, p.weightNumel()), RandomData.normal(rng, batch * p.outputDim()),
                RandomData.normal(rng, batch * p.inputDim()), RandomData.normal(rng, p.weightNumel()));
    }

    public static Expected expected(SymmetricContractionProblem p, Inputs in) {
        int din = p.inputDim();
        int dout = p.outputDim();
        int good = 0;
        for (int s : in.species()) {
            if (s >= 0 && s < p.elements()) {
                good++;
            }
        }
        int[] rows = new int[good];
        int[] sp = new int[good];
        double[] x = new double[good * din];
        double[] dx = new double[good * din];
        double[] g = new double[good * dout];
        int r = 0;
        for (int n = 0; n < in.batch(); n++) {
            int s = in.species()[n];
            if (s < 0 || s >= p.elements()) {
                continue;
            }
            rows[r] = n;
            sp[r] = s;
            System.arraycopy(in.x(), n * din, x, r * din, din);
            System.arraycopy(in.dx(), n * din, dx, r * din, din);
            System.arraycopy(in.g(), n * dout, g, r * dout, dout);
            r++;
        }
        try (SymmetricContraction cpu = SymmetricContraction.create(p, Backend.CPU, DType.FLOAT64)) {
            double[] out = cpu.forward(x, sp, in.w(), good);
            SymmetricContraction.Gradients<double[]> gr = cpu.backward(x, sp, in.w(), g, good);
            SymmetricContraction.DoubleGradients<double[]> dd = cpu.doubleBackward(x, sp, in.w(), g, dx, in.dw(), good);
            return new Expected(scatter(out, rows, dout, in.batch()), scatter(gr.x(), rows, din, in.batch()), gr.w(),
                    scatter(dd.x(), rows, din, in.batch()), dd.w(), scatter(dd.gradOut(), rows, dout, in.batch()));
        }
    }

    private static double[] scatter(double[] a, int[] rows, int dim, int batch) {
        double[] full = new double[batch * dim];
        for (int r = 0; r < rows.length; r++) {
            System.arraycopy(a, r * dim, full, rows[r] * dim, dim);
        }
        return full;
    }
}
