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

    /**
     * Rows per parallel task: large enough to amortize scheduling, small enough to balance load (a
     * Spark batch of 2,000 rows is 125 tasks, enough for 16 cores). Fixed, never derived from the
     * core count, so shared-weight gradient reductions have the same bits on any machine.
     */
    static final int CHUNK_ROWS = 16;

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

    /**
     * float32 forward: each chunk widens its own rows into chunk-local float64 buffers, runs the same
     * row kernel and rounds its output rows once, so no serial whole-batch conversion remains and the
     * bits equal widen-compute-round of the whole batch.
     */
    float[] forwardF32(float[] x, float[] y, float[] w, int batch) {
        float[] out = new float[batch * dimOut];
        double[] sharedW = shared ? Precision.widen(w) : null;
        chunkStream(batch).forEach(chunk -> {
            Buffers b = buffers.get();
            int r0 = chunk * CHUNK_ROWS;
            int n = Math.min(batch, r0 + CHUNK_ROWS) - r0;
            Precision.widen(x, r0 * dim1, b.x, 0, n * dim1);
            Precision.widen(y, r0 * dim2, b.y, 0, n * dim2);
            double[] ws = sharedW;
            if (!shared) {
                Precision.widen(w, r0 * weightNumel, b.w, 0, n * weightNumel);
                ws = b.w;
            }
            java.util.Arrays.fill(b.o, 0, n * dimOut, 0.0);
            for (int z = 0; z < n; z++) {
                kernel.forward(b.x, z * dim1, b.y, z * dim2, ws, shared ? 0 : z * weightNumel, b.o, z * dimOut, false,
                        b.s);
            }
            Precision.round(b.o, 0, out, r0 * dimOut, n * dimOut);
        });
        return out;
    }

    /**
     * float32 backward into zeroed float outputs gx, gy, gw (same chunk-local widening as
     * {@link #forwardF32}); shared-weight gradients are summed in float64 chunk by chunk in order and
     * rounded once.
     */
    void backwardF32(float[] x, float[] y, float[] w, float[] g, float[] gx, float[] gy, float[] gw, int batch) {
        int nChunks = chunks(batch);
        double[] sharedW = shared ? Precision.widen(w) : null;
        double[][] partial = (gw != null && shared && weightNumel > 0) ? new double[nChunks][] : null;
        chunkStream(batch).forEach(chunk -> {
            Buffers b = buffers.get();
            SparseRowKernel.Scratch s = b.s;
            int r0 = chunk * CHUNK_ROWS;
            int n = Math.min(batch, r0 + CHUNK_ROWS) - r0;
            double[] xs = b.x;
            double[] ys = b.y;
            double[] gs = b.g;
            Precision.widen(x, r0 * dim1, xs, 0, n * dim1);
            Precision.widen(y, r0 * dim2, ys, 0, n * dim2);
            Precision.widen(g, r0 * dimOut, gs, 0, n * dimOut);
            double[] ws = sharedW;
            if (!shared) {
                Precision.widen(w, r0 * weightNumel, b.w, 0, n * weightNumel);
                ws = b.w;
            }
            double[] gxs = gx == null ? null : zeroed(b.gx, n * dim1);
            double[] gys = gy == null ? null : zeroed(b.gy, n * dim2);
            double[] gws = null;
            if (partial != null) {
                gws = new double[weightNumel];
                partial[chunk] = gws;
            } else if (gw != null && !shared) {
                gws = zeroed(b.gw, n * weightNumel);
            }
            for (int z = 0; z < n; z++) {
                int wr = shared ? 0 : z * weightNumel;
                kernel.backward(xs, z * dim1, ys, z * dim2, ws, wr, gs, z * dimOut, gxs, gys, gws, wr, false, s);
            }
            if (gxs != null) {
                Precision.round(gxs, 0, gx, r0 * dim1, n * dim1);
            }
            if (gys != null) {
                Precision.round(gys, 0, gy, r0 * dim2, n * dim2);
            }
            if (gws != null && !shared) {
                Precision.round(gws, 0, gw, r0 * weightNumel, n * weightNumel);
            }
        });
        if (partial != null) {
            double[] total = new double[weightNumel];
            addInOrder(partial, total);
            Precision.round(total, 0, gw, 0, weightNumel);
        }
    }

    private static double[] zeroed(double[] a, int n) {
        java.util.Arrays.fill(a, 0, n, 0.0);
        return a;
    }

    /**
     * One worker thread's float64 copies of a chunk's rows and its scratch, kept between calls: a
     * fresh set per chunk made ~100 MB of garbage per mace-large call, and the collector's work
     * competes with the kernels for the same cores.
     */
    private final class Buffers {
        final double[] x = new double[CHUNK_ROWS * dim1];
        final double[] y = new double[CHUNK_ROWS * dim2];
        final double[] w = new double[shared ? 0 : CHUNK_ROWS * weightNumel];
        final double[] o = new double[CHUNK_ROWS * dimOut];
        final double[] g = new double[CHUNK_ROWS * dimOut];
        final double[] gx = new double[CHUNK_ROWS * dim1];
        final double[] gy = new double[CHUNK_ROWS * dim2];
        final double[] gw = new double[shared ? 0 : CHUNK_ROWS * weightNumel];
        final SparseRowKernel.Scratch s = kernel.scratch();
    }

    private final ThreadLocal<Buffers> buffers = ThreadLocal.withInitial(Buffers::new);

    /** target += sum of parts, in the parts' order (a fixed order keeps the bits reproducible). */
    static void addInOrder(double[][] parts, double[] target) {
        for (double[] part : parts) {
            for (int n = 0; n < target.length; n++) {
                target[n] += part[n];
            }
        }
    }
}
