package org.e3spark.model.internal.mace;

import java.util.function.DoubleUnaryOperator;

/**
 * e3nn's {@code normalize2mom(act)} constant, computed as e3nn computes it rather than as the
 * integral it estimates: e3nn takes {@code torch.randn(1_000_000, generator=manual_seed(0),
 * dtype=float64)} on the CPU and returns {@code mean(act(z)^2)^-1/2}. That Monte Carlo estimate
 * differs from the exact Gaussian integral by about 1e-3, far above the 1e-10 at which e3spark matches
 * mace-torch, so the sample itself is reproduced: torch's CPU generator is the 32-bit Mersenne
 * Twister (seeded by {@code init_genrand}), a float64 uniform takes the low 53 bits of two draws
 * (first draw high), and {@code normal_fill} turns each run of 16 uniforms into normals by
 * Box-Muller, pairing element j with j + 8.
 */
public final class Normalize2Mom {

    private static final int SAMPLES = 1_000_000;

    /** e3nn's constant for SiLU ({@code torch.nn.functional.silu}), about 1.679. */
    public static final double SILU = constant(Normalize2Mom::silu);

    private Normalize2Mom() {
    }

    static double silu(double x) {
        return x / (1.0 + Math.exp(-x));
    }

    /** {@code mean(f(z)^2)^-0.5} over e3nn's fixed normal sample. */
    public static double constant(DoubleUnaryOperator f) {
        double[] z = torchRandn(SAMPLES, 0);
        // torch reduces with a cascade of partial sums; plain pairwise summation is as exact (~1e-16)
        return 1.0 / Math.sqrt(pairwiseSum(z, f, 0, z.length) / z.length);
    }

    private static double pairwiseSum(double[] z, DoubleUnaryOperator f, int from, int to) {
        if (to - from <= 64) {
            double s = 0;
            for (int i = from; i < to; i++) {
                double v = f.applyAsDouble(z[i]);
                s += v * v;
            }
            return s;
        }
        int mid = (from + to) >>> 1;
        return pairwiseSum(z, f, from, mid) + pairwiseSum(z, f, mid, to);
    }

    /** {@code torch.randn(n, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)}. */
    static double[] torchRandn(int n, int seed) {
        if (n < 16) {
            throw new IllegalArgumentException("torch draws fewer than 16 normals another way; n = " + n);
        }
        MersenneTwister mt = new MersenneTwister(seed);
        double[] data = new double[n];
        for (int i = 0; i < n; i++) {
            data[i] = mt.uniform53();
        }
        for (int i = 0; i + 16 <= n; i += 16) {
            fill16(data, i);
        }
        if (n % 16 != 0) {
            // torch redraws the last 16 values
            int base = n - 16;
            for (int i = 0; i < 16; i++) {
                data[base + i] = mt.uniform53();
            }
            fill16(data, base);
        }
        return data;
    }

    private static void fill16(double[] d, int at) {
        for (int j = 0; j < 8; j++) {
            double u1 = 1 - d[at + j];
            double u2 = d[at + j + 8];
            double radius = Math.sqrt(-2 * Math.log(u1));
            double theta = 2.0 * Math.PI * u2;
            d[at + j] = radius * Math.cos(theta);
            d[at + j + 8] = radius * Math.sin(theta);
        }
    }

    /** MT19937 as torch's {@code at::mt19937} (the reference algorithm). */
    static final class MersenneTwister {
        private final int[] mt = new int[624];
        private int index;

        MersenneTwister(int seed) {
            mt[0] = seed;
            for (int i = 1; i < 624; i++) {
                mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
            }
            index = 624;
        }

        int next() {
            if (index >= 624) {
                for (int i = 0; i < 624; i++) {
                    int y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7fffffff);
                    int v = mt[(i + 397) % 624] ^ (y >>> 1);
                    if ((y & 1) != 0) {
                        v ^= 0x9908b0df;
                    }
                    mt[i] = v;
                }
                index = 0;
            }
            int y = mt[index++];
            y ^= y >>> 11;
            y ^= (y << 7) & 0x9d2c5680;
            y ^= (y << 15) & 0xefc60000;
            y ^= y >>> 18;
            return y;
        }

        /** torch's uniform_real for double: (random64 & (2^53 - 1)) * 2^-53, random64 = hi << 32 | lo. */
        double uniform53() {
            long hi = next() & 0xffffffffL;
            long lo = next() & 0xffffffffL;
            long bits = (hi << 32) | lo;
            return (bits & ((1L << 53) - 1)) * 0x1.0p-53;
        }
    }
}
