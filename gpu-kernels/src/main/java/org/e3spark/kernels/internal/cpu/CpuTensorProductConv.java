package org.e3spark.kernels.internal.cpu;

import org.e3spark.kernels.Backend;
import org.e3spark.kernels.ConvGraph;
import org.e3spark.kernels.ConvMode;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.DoubleGradients;
import org.e3spark.kernels.DoubleGradientsF32;
import org.e3spark.kernels.Gradients;
import org.e3spark.kernels.GradientsF32;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.internal.TensorProductConvBase;

/**
 * The fused convolution on the CPU, exact and deterministic by construction in both modes: the
 * forward pass runs over receivers, each summing its incoming edges in the graph's canonical
 * order; the backward pass runs over senders, each gathering its outgoing edges' x-gradients in
 * order while writing the per-edge y and W gradients (which no other task touches). Nodes are
 * split into fixed chunks processed in parallel; shared-weight gradients are reduced chunk by chunk
 * in order. No per-edge message is ever stored. The CPU_REFERENCE backend instead gathers, runs
 * the reference tensor product on every edge and scatters ({@link GatherScatterPasses}).
 */
public final class CpuTensorProductConv extends TensorProductConvBase {

    private final Backend backend;
    private final SparseRowKernel kernel;
    private final CpuEngine reference; // CPU_REFERENCE only: gather, batched reference TP, scatter
    private final int dim1;
    private final int dim2;
    private final int dimOut;
    private final int weightNumel;
    private final boolean shared;

    public CpuTensorProductConv(TPProblem problem, DType dtype, ConvMode mode, Backend backend) {
        super(problem, dtype, mode);
        if (backend != Backend.CPU && backend != Backend.CPU_REFERENCE) {
            throw new IllegalArgumentException("not a CPU backend: " + backend);
        }
        this.backend = backend;
        this.kernel = new SparseRowKernel(problem);
        this.reference = backend == Backend.CPU_REFERENCE ? new ReferenceEngine(problem) : null;
        this.dim1 = problem.in1().dim();
        this.dim2 = problem.in2().dim();
        this.dimOut = problem.out().dim();
        this.weightNumel = problem.weightNumel();
        this.shared = problem.sharedWeights();
    }

    @Override
    public Backend backend() {
        return backend;
    }

    private int weightRow(int edge) {
        return shared ? 0 : edge * weightNumel;
    }

    private TrilinearPasses passes(ConvGraph graph) {
        if (reference != null) {
            return new GatherScatterPasses(reference, problem, graph);
        }
        return new TrilinearPasses() {
            @Override
            public void forward(double[] x, double[] y, double[] w, double[] out, boolean tangent) {
                int nodes = graph.numNodes();
                SparseEngine.chunkStream(nodes).forEach(chunk -> {
                    SparseRowKernel.Scratch s = kernel.scratch();
                    int end = Math.min(nodes, (chunk + 1) * SparseEngine.CHUNK_ROWS);
                    for (int i = chunk * SparseEngine.CHUNK_ROWS; i < end; i++) {
                        for (int t = graph.inStart(i); t < graph.inStart(i + 1); t++) {
                            int e = graph.inEdge(t);
                            kernel.forward(x, graph.sender(e) * dim1, y, e * dim2, w, weightRow(e), out, i * dimOut,
                                    tangent, s);
                        }
                    }
                });
            }

            @Override
            public void backward(double[] x, double[] y, double[] w, double[] g, double[] gx, double[] gy, double[] gw,
                                 boolean tangent) {
                int nodes = graph.numNodes();
                double[][] partial = (gw != null && shared && weightNumel > 0)
                        ? new double[SparseEngine.chunks(nodes)][] : null;
                SparseEngine.chunkStream(nodes).forEach(chunk -> {
                    SparseRowKernel.Scratch s = kernel.scratch();
                    double[] gwChunk = gw;
                    if (partial != null) {
                        gwChunk = new double[weightNumel];
                        partial[chunk] = gwChunk;
                    }
                    int end = Math.min(nodes, (chunk + 1) * SparseEngine.CHUNK_ROWS);
                    for (int j = chunk * SparseEngine.CHUNK_ROWS; j < end; j++) {
                        for (int t = graph.outStart(j); t < graph.outStart(j + 1); t++) {
                            int e = graph.outEdge(t);
                            kernel.backward(x, j * dim1, y, e * dim2, w, weightRow(e), g, graph.receiver(e) * dimOut,
                                    gx, gy, gwChunk, weightRow(e), tangent, s);
                        }
                    }
                });
                if (partial != null) {
                    SparseEngine.addInOrder(partial, gw);
                }
            }
        };
    }

    private int weightLength(ConvGraph graph) {
        return shared ? weightNumel : graph.numEdges() * weightNumel;
    }

    @Override
    protected double[] computeForward(double[] x, double[] y, double[] w, ConvGraph graph) {
        double[] out = new double[graph.numNodes() * dimOut];
        passes(graph).forward(x, y, w, out, false);
        return out;
    }

    @Override
    protected Gradients computeBackward(double[] x, double[] y, double[] w, ConvGraph graph, double[] g) {
        double[] gx = new double[x.length];
        double[] gy = new double[y.length];
        double[] gw = new double[weightLength(graph)];
        passes(graph).backward(x, y, w, g, gx, gy, gw, false);
        return new Gradients(gx, gy, gw);
    }

    @Override
    protected DoubleGradients computeDoubleBackward(double[] x, double[] y, double[] w, ConvGraph graph, double[] g,
                                                    double[] dx, double[] dy, double[] dw) {
        return passes(graph).doubleBackward(x, y, w, g, dx, dy, dw);
    }

    @Override
    protected float[] computeForward(float[] x, float[] y, float[] w, ConvGraph graph) {
        return Precision.round(computeForward(Precision.widen(x), Precision.widen(y), Precision.widen(w), graph));
    }

    @Override
    protected GradientsF32 computeBackward(float[] x, float[] y, float[] w, ConvGraph graph, float[] g) {
        return Precision.round(computeBackward(Precision.widen(x), Precision.widen(y), Precision.widen(w), graph,
                Precision.widen(g)));
    }

    @Override
    protected DoubleGradientsF32 computeDoubleBackward(float[] x, float[] y, float[] w, ConvGraph graph, float[] g,
                                                       float[] dx, float[] dy, float[] dw) {
        return Precision.round(computeDoubleBackward(Precision.widen(x), Precision.widen(y), Precision.widen(w), graph,
                Precision.widen(g), Precision.widen(dx), Precision.widen(dy), Precision.widen(dw)));
    }
}
