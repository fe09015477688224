package org.e3spark.kernels.gpu;

/**
 * Grid, block and dynamic shared memory of one kernel launch, checked here so a bad planner number
 * fails with the number in the message rather than as {@code CUDA_ERROR_INVALID_VALUE}.
 */
public record LaunchConfig(int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ,
                           int dynamicSmemBytes) {

    /** CUDA's limit on threads per block on every architecture we target. */
    public static final int MAX_THREADS_PER_BLOCK = 1024;

    public LaunchConfig {
        positive("gridX", gridX);
        positive("gridY", gridY);
        positive("gridZ", gridZ);
        positive("blockX", blockX);
        positive("blockY", blockY);
        positive("blockZ", blockZ);
        if (gridY > 65535 || gridZ > 65535) {
            throw new IllegalArgumentException("gridY/gridZ must be at most 65535: " + gridY + ", " + gridZ);
        }
        long threads = (long) blockX * blockY * blockZ;
        if (threads > MAX_THREADS_PER_BLOCK) {
            throw new IllegalArgumentException("block " + blockX + "x" + blockY + "x" + blockZ + " has "
                    + threads + " threads, more than " + MAX_THREADS_PER_BLOCK);
        }
        if (dynamicSmemBytes < 0) {
            throw new IllegalArgumentException("dynamicSmemBytes must be >= 0: " + dynamicSmemBytes);
        }
    }

    /** A one-dimensional launch. */
    public static LaunchConfig linear(int gridX, int blockX, int dynamicSmemBytes) {
        return new LaunchConfig(gridX, 1, 1, blockX, 1, 1, dynamicSmemBytes);
    }

    /** Enough blocks of {@code blockX} threads to cover {@code n} elements, no shared memory. */
    public static LaunchConfig cover(long n, int blockX) {
        positive("blockX", blockX);
        if (n < 1) {
            throw new IllegalArgumentException("n must be >= 1: " + n);
        }
        long blocks = (n + blockX - 1) / blockX;
        if (blocks > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(n + " elements need " + blocks + " blocks of " + blockX);
        }
        return linear((int) blocks, blockX, 0);
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be >= 1: " + value);
        }
    }
}
