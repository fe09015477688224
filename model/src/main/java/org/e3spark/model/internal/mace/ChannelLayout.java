package org.e3spark.model.internal.mace;

import org.e3spark.kernels.Irreps;

/**
 * mace's {@code reshape_irreps}: features of irreps whose blocks all have C channels, from e3nn's
 * mul_ir row (block after block, each C x (2l+1)) to mace's channel-major [C, sum(2l+1)] (each
 * channel holds the components of every block), the layout the product basis contracts.
 */
final class ChannelLayout {

    private ChannelLayout() {
    }

    static double[] toChannelMajor(double[] mulIr, Irreps irreps, int rows) {
        return convert(mulIr, irreps, rows, true);
    }

    static double[] fromChannelMajor(double[] channelMajor, Irreps irreps, int rows) {
        return convert(channelMajor, irreps, rows, false);
    }

    private static double[] convert(double[] src, Irreps irreps, int rows, boolean toChannels) {
        int dim = irreps.dim();
        int c = irreps.get(0).mul();
        int width = dim / c;
        double[] dst = new double[src.length];
        for (int r = 0; r < rows; r++) {
            int base = r * dim;
            int comp = 0;
            for (int k = 0; k < irreps.size(); k++) {
                int d = irreps.get(k).irrep().dim();
                int off = irreps.offset(k);
                for (int u = 0; u < c; u++) {
                    for (int m = 0; m < d; m++) {
                        int a = base + off + u * d + m;
                        int b = base + u * width + comp + m;
                        if (toChannels) {
                            dst[b] = src[a];
                        } else {
                            dst[a] = src[b];
                        }
                    }
                }
                comp += d;
            }
        }
        return dst;
    }
}
