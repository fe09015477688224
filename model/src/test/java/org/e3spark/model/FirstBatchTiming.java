package org.e3spark.model;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Random;
import org.e3spark.data.SyntheticDataset;
import org.e3spark.data.Structure;
import org.e3spark.kernels.Backend;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.ProblemCatalog;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.TensorProduct;
import org.e3spark.kernels.devices.Gpus;

/**
 * Time to the first batch of a fresh JVM on the GPU (for the kernel-bundle comparison of
 * {@code gpu-bundle.sh}): JVM start to the first result, split into creating the instance (kernels
 * compiled, read from the disk cache or from a bundle) and the batch itself. Run once per JVM:
 * <pre>
 *   java ... org.e3spark.model.FirstBatchTiming featurizer featurizer-small float32 2000
 *   java ... org.e3spark.model.FirstBatchTiming tp mace-large float32 50000
 * </pre>
 * Prints one line: {@code first-batch <what> <dtype>: <s> s from JVM start (create <s> s, batch <s> s); ...}.
 */
public final class FirstBatchTiming {

    private FirstBatchTiming() {
    }

    public static void main(String[] args) {
        String kind = args[0];
        String name = args[1];
        DType dtype = DType.valueOf(args[2].toUpperCase());
        int n = Integer.parseInt(args[3]);
        long jvmStart = ManagementFactory.getRuntimeMXBean().getStartTime();
        long t0 = System.nanoTime();
        long created;
        long done;
        if (kind.equals("featurizer")) {
            List<Structure> data = SyntheticDataset.take(7, n, 20, 200);
            FeaturizerModel model = FeaturizerModel.seeded(FeaturizerConfig.bundled(name));
            t0 = System.nanoTime();
            try (Featurizer f = Featurizer.create(model, ComputeTarget.cuda(-1), dtype)) {
                created = System.nanoTime();
                f.featurize(data, false);
                done = System.nanoTime();
            }
        } else {
            TPProblem p = ProblemCatalog.problem(name);
            Random rng = new Random(1);
            double[] x = new double[n * p.in1().dim()];
            double[] y = new double[n * p.in2().dim()];
            double[] w = new double[(p.sharedWeights() ? 1 : n) * p.weightNumel()];
            for (double[] a : List.of(x, y, w)) {
                for (int i = 0; i < a.length; i++) {
                    a[i] = rng.nextGaussian();
                }
            }
            double[] g = new double[n * p.out().dim()];
            for (int i = 0; i < g.length; i++) {
                g[i] = rng.nextGaussian();
            }
            t0 = System.nanoTime();
            try (TensorProduct tp = TensorProduct.create(p, Backend.CUDA, dtype)) {
                created = System.nanoTime();
                // the first forward and backward: what a training or forces step needs (two kernel groups)
                if (dtype == DType.FLOAT64) {
                    tp.forward(x, y, w, n);
                    tp.backward(x, y, w, g, n);
                } else {
                    float[] xf = toFloat(x);
                    float[] yf = toFloat(y);
                    float[] wf = toFloat(w);
                    tp.forward(xf, yf, wf, n);
                    tp.backward(xf, yf, wf, toFloat(g), n);
                }
                done = System.nanoTime();
            }
        }
        double fromStart = (System.currentTimeMillis() - jvmStart) / 1e3;
        Gpus.CompilerStats b = Gpus.compilerStats(Backend.CUDA);
        System.out.printf("first-batch %s %s %s (n=%d): %.2f s from JVM start (create %.2f s, batch %.2f s); bundle hits %d,"
                        + " misses %d; cache %s%n", kind, name, dtype.name().toLowerCase(), n, fromStart, (created - t0) / 1e9,
                (done - created) / 1e9, b.bundleHits(), b.bundleMisses(), b.cache());
    }

    private static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }
}
