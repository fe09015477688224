package org.e3spark.model;

/** Forces from the reverse pass's per-edge gradients (the host path's last step). */
final class EdgeForces {

    private EdgeForces() {
    }

    /** dE/dD per edge from the harmonics and radial gradients; D = x_sender - x_receiver (+ shift). */
    static double[] fromEdgeGradients(BatchInput in, int nb, double[] gSh, double[] shJacobian, double[] gRad,
                                             double[] radialDerivative, int shDim) {
        int n = in.nodeCount();
        int e = in.edgeCount();
        double[] grad = new double[3 * n];
        double[] v = in.vectors();
        double[] len = in.lengths();
        for (int q = 0; q < e; q++) {
            double gx = 0;
            double gy = 0;
            double gz = 0;
            for (int k = 0; k < shDim; k++) {
                double g = gSh[q * shDim + k];
                int j = (q * shDim + k) * 3;
                gx += g * shJacobian[j];
                gy += g * shJacobian[j + 1];
                gz += g * shJacobian[j + 2];
            }
            double gr = 0;
            for (int b = 0; b < nb; b++) {
                gr += gRad[q * nb + b] * radialDerivative[q * nb + b];
            }
            double r = len[q];
            if (r > 0) {
                gx += gr * v[3 * q] / r;
                gy += gr * v[3 * q + 1] / r;
                gz += gr * v[3 * q + 2] / r;
            }
            int snd = in.senders()[q];
            int rcv = in.receivers()[q];
            grad[3 * snd] += gx;
            grad[3 * snd + 1] += gy;
            grad[3 * snd + 2] += gz;
            grad[3 * rcv] -= gx;
            grad[3 * rcv + 1] -= gy;
            grad[3 * rcv + 2] -= gz;
        }
        for (int i = 0; i < grad.length; i++) {
            grad[i] = -grad[i];
        }
        return grad;
    }
}
