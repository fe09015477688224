package org.e3spark.kernels.internal.cpu;

/**
 * A symmetric-contraction engine on checked float64 arrays (x: batch x C x D, species: batch,
 * w: the problem's flat weights). Outputs are written into zeroed arrays the caller allocates.
 */
interface ScEngine {

    void forward(double[] x, int[] species, double[] w, double[] out, int batch);

    /** gx, gw: gradients of sum(out * g). */
    void backward(double[] x, int[] species, double[] w, double[] g, double[] gx, double[] gw, int batch);

    /** Gradients of sum(gx * dx) + sum(gw * dw) with respect to x, w and g, where (gx, gw) = backward. */
    void doubleBackward(double[] x, int[] species, double[] w, double[] g, double[] dx, double[] dw,
                        double[] ggx, double[] ggw, double[] ggOut, int batch);
}
