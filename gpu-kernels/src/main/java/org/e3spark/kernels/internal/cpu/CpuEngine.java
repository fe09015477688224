package org.e3spark.kernels.internal.cpu;

/**
 * The two passes a CPU backend must provide, on float64 arrays whose sizes were already checked.
 * Both accumulate into zeroed outputs. {@code weightsAreTangent} marks a pass whose weight argument
 * is a tangent (the double-backward seed): weightless instructions, which have no weight to vary,
 * then contribute nothing.
 */
interface CpuEngine {

    /** out += TP(x, y, w). */
    void forward(double[] x, double[] y, double[] w, double[] out, int batch, boolean weightsAreTangent);

    /**
     * gx += dL/dx, gy += dL/dy, gw += dL/dw of L = sum(TP(x, y, w) * g); any of gx, gy, gw may be
     * null when not wanted. With shared weights gw has weightNumel entries, summed over the batch.
     */
    void backward(double[] x, double[] y, double[] w, double[] g,
                  double[] gx, double[] gy, double[] gw, int batch, boolean weightsAreTangent);
}
