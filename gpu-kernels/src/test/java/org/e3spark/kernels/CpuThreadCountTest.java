package org.e3spark.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.Stream;
import org.e3spark.kernels.testing.RandomData;
import org.e3spark.kernels.testing.RandomProblems;
import org.e3spark.kernels.testing.Tolerance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fast CPU engine run inside fork-join pools of 1, 2 and 8 threads (its parallel loops then use
 * that pool, as they would a Spark executor's cores): in float64 within 1e-12 of the reference, in
 * float32 within SPEC §8 of the float64 reference, and bit-identical whatever the thread count (chunks
 * are fixed-size and shared-weight gradients reduced in chunk order). Batches are not multiples of the
 * chunk size, and one is large enough for every thread to get several chunks.
 */
class CpuThreadCountTest {

    private static final int[] THREADS = {1, 2, 8};

    static Stream<Arguments> cases() {
        List<Arguments> list = new ArrayList<>();
        for (long seed : new long[] {11, 12, 13}) {
            for (int batch : new int[] {5, 333}) {
                list.add(Arguments.of(seed, seed % 2 == 0, seed == 13 ? Layout.IR_MUL : Layout.MUL_IR, batch));
            }
        }
        return list.stream();
    }

    private static <T> T in(ForkJoinPool pool, Callable<T> work) throws Exception {
        return pool.submit(work).get();
    }

    @ParameterizedTest(name = "seed {0} shared={1} {2} batch {3}")
    @MethodSource("cases")
    void fastEngineIsExactAndIdenticalAtEveryThreadCount(long seed, boolean shared, Layout layout, int batch)
            throws Exception {
        TPProblem p = RandomProblems.mixed(seed, shared, layout);
        Random rng = new Random(seed * 101 + batch);
        int wn = p.sharedWeights() ? p.weightNumel() : batch * p.weightNumel();
        double[] x = RandomData.normal(rng, batch * p.in1().dim());
        double[] y = RandomData.normal(rng, batch * p.in2().dim());
        double[] w = RandomData.normal(rng, wn);
        double[] g = RandomData.normal(rng, batch * p.out().dim());
        float[] xf = RandomData.toFloat(x);
        float[] yf = RandomData.toFloat(y);
        float[] wf = RandomData.toFloat(w);
        float[] gf = RandomData.toFloat(g);
        double[] xd = RandomData.toDouble(xf);
        double[] yd = RandomData.toDouble(yf);
        double[] wd = RandomData.toDouble(wf);
        double[] gd = RandomData.toDouble(gf);

        double[] refOut;
        Gradients refGrad;
        double[] refOutF;
        Gradients refGradF;
        try (TensorProduct ref = TensorProduct.create(p, Backend.CPU_REFERENCE, DType.FLOAT64)) {
            refOut = ref.forward(x, y, w, batch);
            refGrad = ref.backward(x, y, w, g, batch);
            refOutF = ref.forward(xd, yd, wd, batch); // the float32 inputs, exactly, in float64
            refGradF = ref.backward(xd, yd, wd, gd, batch);
        }
        double[] firstOut = null;
        Gradients firstGrad = null;
        float[] firstOutF = null;
        GradientsF32 firstGradF = null;
        for (int threads : THREADS) {
            ForkJoinPool pool = new ForkJoinPool(threads);
            try (TensorProduct f64 = TensorProduct.create(p, Backend.CPU, DType.FLOAT64);
                 TensorProduct f32 = TensorProduct.create(p, Backend.CPU, DType.FLOAT32)) {
                String at = " at " + threads + " threads";
                double[] out = in(pool, () -> f64.forward(x, y, w, batch));
                Gradients grad = in(pool, () -> f64.backward(x, y, w, g, batch));
                float[] outF = in(pool, () -> f32.forward(xf, yf, wf, batch));
                GradientsF32 gradF = in(pool, () -> f32.backward(xf, yf, wf, gf, batch));
                Tolerance.assertClose(refOut, out, Tolerance.FLOAT64, "f64 forward" + at);
                Tolerance.assertClose(refGrad.x(), grad.x(), Tolerance.FLOAT64, "f64 grad x" + at);
                Tolerance.assertClose(refGrad.y(), grad.y(), Tolerance.FLOAT64, "f64 grad y" + at);
                Tolerance.assertClose(refGrad.w(), grad.w(), Tolerance.FLOAT64, "f64 grad w" + at);
                Tolerance.assertClose(refOutF, outF, Tolerance.FLOAT32_FORWARD, "f32 forward" + at);
                Tolerance.assertClose(refGradF.x(), gradF.x(), Tolerance.FLOAT32_BACKWARD, "f32 grad x" + at);
                Tolerance.assertClose(refGradF.y(), gradF.y(), Tolerance.FLOAT32_BACKWARD, "f32 grad y" + at);
                Tolerance.assertClose(refGradF.w(), gradF.w(), Tolerance.FLOAT32_BACKWARD, "f32 grad w" + at);
                if (firstOut == null) {
                    firstOut = out;
                    firstGrad = grad;
                    firstOutF = outF;
                    firstGradF = gradF;
                } else {
                    assertArrayEquals(firstOut, out, "f64 forward bits" + at);
                    assertArrayEquals(firstGrad.x(), grad.x(), "f64 grad x bits" + at);
                    assertArrayEquals(firstGrad.y(), grad.y(), "f64 grad y bits" + at);
                    assertArrayEquals(firstGrad.w(), grad.w(), "f64 grad w bits" + at);
                    assertArrayEquals(firstOutF, outF, "f32 forward bits" + at);
                    assertArrayEquals(firstGradF.x(), gradF.x(), "f32 grad x bits" + at);
                    assertArrayEquals(firstGradF.y(), gradF.y(), "f32 grad y bits" + at);
                    assertArrayEquals(firstGradF.w(), gradF.w(), "f32 grad w bits" + at);
                }
            } finally {
                pool.shutdown();
            }
        }
    }
}
