package org.e3spark.kernels.internal.codegen;

/**
 * How to launch one generated kernel: a 1-D block of {@code threadsPerBlock} threads handling
 * {@code rowsPerBlock} batch rows at a time, and a 1-D grid that covers the batch but never
 * exceeds the number of blocks the device keeps resident ({@code maxBlocks}); the kernels loop
 * over rows grid-stride, so any grid of at least one block is correct.
 *
 * @param threadsPerBlock block size (blockDim.x)
 * @param rowsPerBlock rows a block processes concurrently (one per warp)
 * @param maxBlocks resident blocks on the target: a larger grid only adds waves
 * @param dynamicSmemBytes dynamic shared memory per block; above 48 KiB the launcher must raise the
 *     kernel's limit first (cuFuncSetAttribute MAX_DYNAMIC_SHARED_SIZE_BYTES)
 */
public record LaunchConfig(int threadsPerBlock, int rowsPerBlock, int maxBlocks, int dynamicSmemBytes) {

    public LaunchConfig {
        if (threadsPerBlock <= 0 || rowsPerBlock <= 0 || maxBlocks <= 0 || dynamicSmemBytes < 0) {
            throw new IllegalArgumentException("launch config needs positive sizes: threads=" + threadsPerBlock
                    + " rows=" + rowsPerBlock + " maxBlocks=" + maxBlocks + " smem=" + dynamicSmemBytes);
        }
    }

    /** Grid size (gridDim.x) for a batch of {@code batch} rows: at least 1, at most {@link #maxBlocks()}. */
    public int gridFor(long batch) {
        if (batch < 0) {
            throw new IllegalArgumentException("batch must be >= 0, got " + batch);
        }
        long blocks = (batch + rowsPerBlock - 1) / rowsPerBlock;
        return (int) Math.max(1, Math.min(blocks, maxBlocks));
    }
}
