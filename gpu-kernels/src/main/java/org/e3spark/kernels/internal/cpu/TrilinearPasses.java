package org.e3spark.kernels.internal.cpu;

import org.e3spark.kernels.DoubleGradients;

/**
 * The forward and backward passes of a map that is linear in each of x, y and W (a tensor product,
 * or one fused with message passing), from which double backward follows with no new math
 * (SPEC §5). Passes accumulate into zeroed outputs; a weight-tangent pass skips weightless paths.
 */
interface TrilinearPasses {

    void forward(double[] x, double[] y, double[] w, double[] out, boolean weightsAreTangent);

    void backward(double[] x, double[] y, double[] w, double[] g, double[] gx, double[] gy, double[] gw,
                  boolean weightsAreTangent);

    /**
     * With seeds (a, b, c): d/dx = bwd_x(b, W, g) + bwd_x(y, c, g), d/dy = bwd_y(a, W, g) + bwd_y(x, c, g),
     * d/dW = bwd_W(a, y, g) + bwd_W(x, b, g), d/dg = TP(a, y, W) + TP(x, b, W) + TP(x, y, c).
     */
    default DoubleGradients doubleBackward(double[] x, double[] y, double[] w, double[] g,
                                           double[] a, double[] b, double[] c) {
        double[] ddx = new double[x.length];
        double[] ddy = new double[y.length];
        double[] ddw = new double[w.length];
        double[] ddg = new double[g.length];
        backward(a, y, w, g, null, ddy, ddw, false); // bwd_y(a, W, g), bwd_W(a, y, g)
        backward(x, b, w, g, ddx, null, ddw, false); // bwd_x(b, W, g), bwd_W(x, b, g)
        backward(x, y, c, g, ddx, ddy, null, true);  // bwd_x(y, c, g), bwd_y(x, c, g)
        forward(a, y, w, ddg, false);
        forward(x, b, w, ddg, false);
        forward(x, y, c, ddg, true);
        return new DoubleGradients(ddx, ddy, ddw, ddg);
    }
}
