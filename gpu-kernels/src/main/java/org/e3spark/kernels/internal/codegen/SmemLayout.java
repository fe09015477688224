package org.e3spark.kernels.internal.codegen;

/**
 * Shared-memory layout of one block, in elements of the kernel's floating type. Each warp owns a
 * slice of {@code perWarp} elements at {@code warp * perWarp}; offsets below are within the slice.
 * A region of size 0 is absent. Every offset is a multiple of 16 bytes so vector copies stay aligned.
 *
 * @param x staged row of input 1
 * @param y staged row of input 2
 * @param gx row accumulator of dL/dx (backward)
 * @param gy row accumulator of dL/dy (backward)
 * @param segment staged output (forward) or output-gradient (backward) segment
 * @param pairs uvw scratch: per lane the CG-contracted x (x) y of one channel pair, {@code pairStride} apart
 * @param weights uvw backward scratch: a warp-square tile of W, rows {@code weightStride} apart
 * @param wrow staged per-row weight vector (forward; backward when tuned so)
 * @param blockGw block-wide accumulator of a shared-weight gradient, after all warps' slices
 */
public record SmemLayout(int perWarp, int warps,
                         int x, int xSize, int y, int ySize, int gx, int gxSize, int gy, int gySize,
                         int segment, int segmentSize, int pairs, int pairsSize, int pairStride,
                         int weights, int weightsSize, int weightStride, int wrow, int wrowSize,
                         int blockGw, int blockGwSize, int elementBytes) {

    /** Total dynamic shared memory of one block in bytes. */
    public int totalBytes() {
        return (blockGw + blockGwSize) * elementBytes;
    }
}
