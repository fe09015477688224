package org.e3spark.kernels.cuda;

import org.e3spark.kernels.gpu.GpuTest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.e3spark.kernels.ConvGraph;
import org.e3spark.kernels.ConvMode;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.ProblemCatalog;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.internal.cache.KernelCacheStats;
import org.e3spark.kernels.testing.RandomData;
import org.e3spark.kernels.testing.RandomGraphs;
import org.e3spark.kernels.testing.Tolerance;
import org.junit.jupiter.api.Test;

/**
 * One process driving two GPUs: an instance on each device, launched concurrently from two
 * threads, gives the single-device results; the second device of the same architecture compiles
 * nothing (its kernels come from the cache). Needs a machine with two GPUs; elsewhere it is skipped
 * with the reason (and the GPU run reports a skip as a failure, so run it only where two exist).
 */
@GpuTest
class TwoDeviceGpuTest {

    @Test
    void tensorProductsAndConvolutionsOnTwoDevicesMatchOneDevice() throws Exception {
        assumeTrue(CudaDevice.count() >= 2, "needs two CUDA devices, this machine has " + CudaDevice.count());
        CudaDevice d0 = CudaRuntime.device(0);
        CudaDevice d1 = CudaRuntime.device(1);
        assertEquals(d0.arch(), d1.arch(), "this test expects two devices of one architecture");
        TPProblem p = ProblemCatalog.problem("mace-medium");
        Random rng = new Random(2);
        int batch = 20_000;
        float[] x = RandomData.toFloat(RandomData.normal(rng, batch * p.in1().dim()));
        float[] y = RandomData.toFloat(RandomData.normal(rng, batch * p.in2().dim()));
        float[] w = RandomData.toFloat(RandomData.normal(rng, batch * p.weightNumel()));
        ConvGraph graph = RandomGraphs.awkward(rng, 500, 20_000, 2_000);
        float[] nx = RandomData.toFloat(RandomData.normal(rng, graph.numNodes() * p.in1().dim()));
        float[] ey = RandomData.toFloat(RandomData.normal(rng, graph.numEdges() * p.in2().dim()));
        float[] ew = RandomData.toFloat(RandomData.normal(rng, graph.numEdges() * p.weightNumel()));

        float[] tpReference;
        float[] detReference;
        float[] atomicReference;
        try (CudaTensorProduct tp = CudaTensorProduct.create(p, DType.FLOAT32, d0);
             CudaTensorProductConv det = CudaTensorProductConv.create(p, DType.FLOAT32, ConvMode.DETERMINISTIC, d0);
             CudaTensorProductConv atomic = CudaTensorProductConv.create(p, DType.FLOAT32, ConvMode.ATOMIC, d0)) {
            tpReference = tp.forward(x, y, w, batch);
            detReference = det.forward(nx, ey, ew, graph);
            atomicReference = atomic.forward(nx, ey, ew, graph);
        }

        KernelCacheStats before = CudaRuntime.compiler().cache().stats();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<float[][]>[] results = new Future[2];
            for (int d = 0; d < 2; d++) {
                CudaDevice device = d == 0 ? d0 : d1;
                results[d] = pool.submit(() -> {
                    try (CudaTensorProduct tp = CudaTensorProduct.create(p, DType.FLOAT32, device);
                         CudaTensorProductConv det = CudaTensorProductConv.create(p, DType.FLOAT32,
                                 ConvMode.DETERMINISTIC, device);
                         CudaTensorProductConv atomic = CudaTensorProductConv.create(p, DType.FLOAT32,
                                 ConvMode.ATOMIC, device)) {
                        float[][] out = new float[3][];
                        for (int r = 0; r < 3; r++) {
                            out[0] = tp.forward(x, y, w, batch);
                            out[1] = det.forward(nx, ey, ew, graph);
                            out[2] = atomic.forward(nx, ey, ew, graph);
                        }
                        return out;
                    }
                });
            }
            for (int d = 0; d < 2; d++) {
                float[][] out = results[d].get();
                assertArrayEquals(tpReference, out[0], "tensor product on device " + d);
                assertArrayEquals(detReference, out[1], "deterministic convolution on device " + d);
                Tolerance.assertClose(RandomData.toDouble(atomicReference), out[2], Tolerance.FLOAT32_FORWARD,
                        "atomic convolution on device " + d);
            }
        } finally {
            pool.shutdownNow();
        }
        KernelCacheStats after = CudaRuntime.compiler().cache().stats();
        assertEquals(before.compiles(), after.compiles(),
                "device 1 has device 0's architecture: its kernels must come from the cache");
        System.out.printf("two devices: %s and %s (%s); cache %s -> %s%n", d0.name(), d1.name(), d0.arch().smName(),
                before, after);
    }
}
