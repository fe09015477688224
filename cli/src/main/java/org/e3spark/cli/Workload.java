package org.e3spark.cli;

import java.util.Random;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.Direction;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.TensorProduct;

/**
 * Random normal inputs for one problem, batch and dtype, and one call of a chosen direction that
 * returns a checksum of everything it produced (so the JIT cannot drop the work, and runs can be
 * compared across backends).
 */
final class Workload {

    private final TPProblem problem;
    private final int batch;
    private final double[][] f64; // x, y, w, g, a, b, c
    private final float[][] f32;

    Workload(TPProblem problem, int batch, long seed) {
        this.problem = problem;
        this.batch = batch;
        Random rng = new Random(seed);
        int wn = problem.sharedWeights() ? problem.weightNumel() : batch * problem.weightNumel();
        int[] sizes = {batch * problem.in1().dim(), batch * problem.in2().dim(), wn, batch * problem.out().dim(),
                batch * problem.in1().dim(), batch * problem.in2().dim(), wn};
        f64 = new double[sizes.length][];
        f32 = new float[sizes.length][];
        for (int a = 0; a < sizes.length; a++) {
            f64[a] = new double[sizes[a]];
            f32[a] = new float[sizes[a]];
            for (int i = 0; i < sizes[a]; i++) {
                f64[a][i] = rng.nextGaussian();
                f32[a][i] = (float) f64[a][i];
            }
        }
    }

    /** Runs one pass and returns the sum of squares of its outputs. */
    double run(TensorProduct tp, Direction direction) {
        if (tp.dtype() == DType.FLOAT64) {
            double[][] v = f64;
            return switch (direction) {
                case FORWARD -> sumSq(tp.forward(v[0], v[1], v[2], batch));
                case BACKWARD -> {
                    var g = tp.backward(v[0], v[1], v[2], v[3], batch);
                    yield sumSq(g.x()) + sumSq(g.y()) + sumSq(g.w());
                }
                case DOUBLE_BACKWARD -> {
                    var g = tp.doubleBackward(v[0], v[1], v[2], v[3], v[4], v[5], v[6], batch);
                    yield sumSq(g.x()) + sumSq(g.y()) + sumSq(g.w()) + sumSq(g.gradOut());
                }
            };
        }
        float[][] v = f32;
        return switch (direction) {
            case FORWARD -> sumSq(tp.forward(v[0], v[1], v[2], batch));
            case BACKWARD -> {
                var g = tp.backward(v[0], v[1], v[2], v[3], batch);
                yield sumSq(g.x()) + sumSq(g.y()) + sumSq(g.w());
            }
            case DOUBLE_BACKWARD -> {
                var g = tp.doubleBackward(v[0], v[1], v[2], v[3], v[4], v[5], v[6], batch);
                yield sumSq(g.x()) + sumSq(g.y()) + sumSq(g.w()) + sumSq(g.gradOut());
            }
        };
    }

    TPProblem problem() {
        return problem;
    }

    int batch() {
        return batch;
    }

    /**
     * Sum of squares in fixed slices summed in parallel and combined in slice order: the same bits on
     * any core count, and no serial sweep over a large output inside the timed call (at 16 threads a
     * serial checksum of mace-large's forward output costs a third of the kernel's own time).
     */
    private static final int SLICE = 1 << 14;

    private static double sumSq(double[] a) {
        return sliced(a.length, (from, to) -> {
            double s = 0;
            for (int i = from; i < to; i++) {
                s += a[i] * a[i];
            }
            return s;
        });
    }

    private static double sumSq(float[] a) {
        return sliced(a.length, (from, to) -> {
            double s = 0;
            for (int i = from; i < to; i++) {
                s += (double) a[i] * a[i];
            }
            return s;
        });
    }

    private interface Slice {
        double sum(int from, int to);
    }

    private static double sliced(int n, Slice slice) {
        int count = (n + SLICE - 1) / SLICE;
        double[] parts = new double[count];
        java.util.stream.IntStream.range(0, count).parallel()
                .forEach(c -> parts[c] = slice.sum(c * SLICE, Math.min(n, (c + 1) * SLICE)));
        double s = 0;
        for (double p : parts) {
            s += p;
        }
        return s;
    }
}
