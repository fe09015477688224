package org.e3spark.kernels;

import org.e3spark.kernels.devices.TensorProductFactory;

/**
 * A tensor product fused with message passing (SPEC §6):
 * {@code out[i] = sum over edges e with receiver[e] = i of TP(x[sender[e]], y[e], W[e])}, without
 * materializing per-edge messages. x and out are per node (numNodes x dim), y and per-row W per
 * edge (numEdges x dim); shared weights are one vector. Nodes that receive nothing get zeros.
 *
 * <p>Gradients follow {@link TensorProduct}: backward gives dL/dx per node (gathered back to
 * senders), dL/dy and dL/dW per edge (or summed, shared). The edge arrays may be passed each call
 * (validated each time) or once as a prepared {@link ConvGraph}. Sizes and indices are checked
 * before any work starts.
 */
public interface TensorProductConv extends AutoCloseable {

    static TensorProductConv create(TPProblem problem, Backend backend, DType dtype, ConvMode mode) {
        return TensorProductFactory.createConv(problem, backend, dtype, mode);
    }

    TPProblem problem();

    Backend backend();

    DType dtype();

    ConvMode mode();

    double[] forward(double[] x, double[] y, double[] w, ConvGraph graph);

    Gradients backward(double[] x, double[] y, double[] w, ConvGraph graph, double[] gradOut);

    DoubleGradients doubleBackward(double[] x, double[] y, double[] w, ConvGraph graph, double[] gradOut,
                                   double[] dx, double[] dy, double[] dw);

    float[] forward(float[] x, float[] y, float[] w, ConvGraph graph);

    GradientsF32 backward(float[] x, float[] y, float[] w, ConvGraph graph, float[] gradOut);

    DoubleGradientsF32 doubleBackward(float[] x, float[] y, float[] w, ConvGraph graph, float[] gradOut,
                                      float[] dx, float[] dy, float[] dw);

    default double[] forward(double[] x, double[] y, double[] w, int[] sender, int[] receiver, int numNodes) {
        return forward(x, y, w, ConvGraph.of(sender, receiver, numNodes));
    }

    default Gradients backward(double[] x, double[] y, double[] w, int[] sender, int[] receiver, int numNodes,
                               double[] gradOut) {
        return backward(x, y, w, ConvGraph.of(sender, receiver, numNodes), gradOut);
    }

    default DoubleGradients doubleBackward(double[] x, double[] y, double[] w, int[] sender, int[] receiver,
                                           int numNodes, double[] gradOut, double[] dx, double[] dy, double[] dw) {
        return doubleBackward(x, y, w, ConvGraph.of(sender, receiver, numNodes), gradOut, dx, dy, dw);
    }

    default float[] forward(float[] x, float[] y, float[] w, int[] sender, int[] receiver, int numNodes) {
        return forward(x, y, w, ConvGraph.of(sender, receiver, numNodes));
    }

    default GradientsF32 backward(float[] x, float[] y, float[] w, int[] sender, int[] receiver, int numNodes,
                                  float[] gradOut) {
        return backward(x, y, w, ConvGraph.of(sender, receiver, numNodes), gradOut);
    }

    default DoubleGradientsF32 doubleBackward(float[] x, float[] y, float[] w, int[] sender, int[] receiver,
                                              int numNodes, float[] gradOut, float[] dx, float[] dy, float[] dw) {
        return doubleBackward(x, y, w, ConvGraph.of(sender, receiver, numNodes), gradOut, dx, dy, dw);
    }

    @Override
    void close();
}
