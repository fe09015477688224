package org.e3spark.kernels.internal.cpu;

import org.e3spark.kernels.ConvGraph;
import org.e3spark.kernels.TPProblem;

/**
 * The convolution written the slow, obvious way for the reference backend: gather each edge's
 * sender row, run the batched tensor product over all edges (materializing every message), then
 * scatter-add messages into receivers in edge order. Gradients likewise gather gradOut rows to
 * edges and scatter x-gradients back to senders.
 */
final class GatherScatterPasses implements TrilinearPasses {

    private final CpuEngine engine;
    private final ConvGraph graph;
    private final int dim1;
    private final int dimOut;

    GatherScatterPasses(CpuEngine engine, TPProblem problem, ConvGraph graph) {
        this.engine = engine;
        this.graph = graph;
        this.dim1 = problem.in1().dim();
        this.dimOut = problem.out().dim();
    }

    private double[] gather(double[] nodes, int dim, boolean bySender) {
        int edges = graph.numEdges();
        double[] rows = new double[edges * dim];
        for (int e = 0; e < edges; e++) {
            int node = bySender ? graph.sender(e) : graph.receiver(e);
            System.arraycopy(nodes, node * dim, rows, e * dim, dim);
        }
        return rows;
    }

    private void scatter(double[] rows, int dim, double[] nodes, boolean toSender) {
        for (int e = 0; e < graph.numEdges(); e++) {
            int node = toSender ? graph.sender(e) : graph.receiver(e);
            for (int k = 0; k < dim; k++) {
                nodes[node * dim + k] += rows[e * dim + k];
            }
        }
    }

    @Override
    public void forward(double[] x, double[] y, double[] w, double[] out, boolean tangent) {
        double[] messages = new double[graph.numEdges() * dimOut];
        engine.forward(gather(x, dim1, true), y, w, messages, graph.numEdges(), tangent);
        scatter(messages, dimOut, out, false);
    }

    @Override
    public void backward(double[] x, double[] y, double[] w, double[] g, double[] gx, double[] gy, double[] gw,
                         boolean tangent) {
        double[] gxEdges = gx == null ? null : new double[graph.numEdges() * dim1];
        engine.backward(gather(x, dim1, true), y, w, gather(g, dimOut, false), gxEdges, gy, gw, graph.numEdges(), tangent);
        if (gx != null) {
            scatter(gxEdges, dim1, gx, true);
        }
    }
}
