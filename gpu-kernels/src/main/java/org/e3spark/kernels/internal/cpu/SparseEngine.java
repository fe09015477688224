package org.e3spark.kernels.internal.cpu;

import java.util.stream.IntStream;
import org.e3spark.kernels.TPProblem;

/**
 * The fast exact CPU engine for batches: rows are split into fixed-size chunks processed in
 * parallel on the common fork-join pool, each row by {@link SparseRowKernel} (sparse CG nonzeros,
 * path coefficient folded in, the weight contraction hoisted out of the CG loop).
 *
 * <p>Chunks are fixed-size and shared-weight gradients are reduced chunk by chunk in chunk order,
 * so results are bit-identical whatever the number of cores. Scratch is allocated per chunk,
 * never per row.
 */
final class SparseEngine implements CpuEngine {

    /** Rows per parallel task: large enough to amortize scheduling, small enough to balance load. */
    static final int CHUNK_ROWS = 64;

    private final SparseRowKernel kernel;
    private final int dim1;
    private final int dim2;
    private final int dimOut;
    private final int weightNumel;
    private final boolean shared;

    SparseEngine(TPProblem p) {
        this.kernel = new SparseRowKernel(p);
        this.dim1 = p.in1().dim();
        this.dim2 = p.in2().dim();
        this.dimOut = p.out().dim();
        this.weightNumel = p.weightNumel();
        this.shared = p.sharedWeights();
    }

    static int chunks(int rows) {
        return (rows + CHUNK_ROWS - 1) / CHUNK_ROWS;
    }

    static IntStream chunkStream(int rows) {
        IntStream s = IntStream.range(0, chunks(rows));
        return chunks(rows) > 1 ? s.parallel() : s;
    }

    @Override
    public void forward(double[] x, double[] y, double[] w, double[] out, int batch, boolean weightsAreTangent) {
        chunkStream(batch).forEach(chunk -> {
            SparseRowKernel.Scratch s = kernel.scratch();
            int end = Math.min(batch, (chunk + 1) * CHUNK_ROWS);
            for (int z = chunk * CHUNK_ROWS; z < end; z++) {
                int wr = shared ? 0 : z * weightNumel;
                kernel.forward(x, z * dim1, y, z * dim2, w, wr, out, z * dimOut, weightsAreTangent, s);
            }
        });
    }

    @Override
    public void backward(double[] x, double[] y, double[] w, double[] g,
                         double[] gx, double[] gy, double[] gw, int batch, boolean weightsAreTangent) {
        int nChunks = chunks(batch);
        // Shared weights: each chunk sums its own gradient, then chunks are added in order (deterministic).
        double[][] partial = (gw != null && shared && weightNumel > 0) ? new double[nChunks][] : null;
        chunkStream(batch).forEach(chunk -> {
            SparseRowKernel.Scratch s = kernel.scratch();
            double[] gwChunk = gw;
            if (partial != null) {
                gwChunk = new double[weightNumel];
                partial[chunk] = gwChunk;
            }
            int end = Math.min(batch, (chunk + 1) * CHUNK_ROWS);
            for (int z = chunk * CHUNK_ROWS; z < end; z++) {
                int wr = shared ? 0 : z * weightNumel;
                kernel.backward(x, z * dim1, y, z * dim2, w, wr, g, z * dimOut, gx, gy, gwChunk, wr,
                        weightsAreTangent, s);
            }
        });
        if (partial != null) {
            addInOrder(partial, gw);
        }
    }

    /** target += sum of parts, in the parts' order (a fixed order keeps the bits reproducible). */
    static void addInOrder(double[][] parts, double[] target) {
        for (double[] part : parts) {
            for (int n = 0; n < target.length; n++) {
                target[n] += part[n];
            }
        }
    }
}
