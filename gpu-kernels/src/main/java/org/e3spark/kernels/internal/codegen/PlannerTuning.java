package org.e3spark.kernels.internal.codegen;

import org.e3spark.kernels.DType;

/**
 * The planner's tunable budgets. {@link #DEFAULT} is what measurements on an H100 favoured (see
 * PERF-NOTES.md); other values exist for sweeps. Both only move performance, never results.
 *
 * @param targetBytesPerWarp shared memory a warp's slice should stay within (the output segment
 *     shrinks to fit, never below the largest output block): smaller slices keep more warps resident
 * @param threadsPerBlock block size; rows per block = threadsPerBlock / warp width. Where that many
 *     warps' slices exceed the target's shared memory per block (64 KiB LDS with 64-lane
 *     wavefronts), the planner uses fewer warps, down to one; on the H100 every problem keeps it
 * @param unrollForwardChannels unroll the per-lane channel loops of forward kernels (the weight loads
 *     of all channel tiles then issue together instead of one latency per tile)
 * @param unrollBackwardChannels the same for backward kernels (costs registers there)
 * @param stagedWeightRowBytes backward kernels stage per-row weight vectors up to this size in shared
 *     memory with the x row when some path spans {@link Planner#MIN_TILES_TO_STAGE_WEIGHTS} or more
 *     channel tiles (its weight loads are otherwise one latency per tile); 0 never stages
 * @param stageWeightsInForward stage in forward kernels too (measured: no gain, costs occupancy)
 */
public record PlannerTuning(int targetBytesPerWarp, int threadsPerBlock, boolean unrollForwardChannels,
                            boolean unrollBackwardChannels, int stagedWeightRowBytes, boolean stageWeightsInForward) {

    public static final PlannerTuning DEFAULT = new PlannerTuning(8 * 1024, 128, true, false, 12 * 1024, false);

    /**
     * The budgets of the fused convolution kernels: {@link #DEFAULT} with 2,048 elements of shared
     * memory per warp in either dtype (8 KiB in float32, 16 KiB in float64). The convolution forward
     * walks an item's edges once per output segment, so float64's 8 KiB (twelve segments for
     * mace-large) cost more than the occupancy they buy: conv-mace-large float64 forward 4.39 ms at
     * 8 KiB, 2.94 ms at 16 KiB; float32 1.41 ms at 8 KiB, 2.31 ms at 16 KiB (PERF-NOTES.md).
     */
    public static PlannerTuning convolutionDefault(DType dtype) {
        return DEFAULT.withTargetBytesPerWarp(2048 * dtype.bytes());
    }

    /** The same budgets with another per-warp shared-memory target. */
    public PlannerTuning withTargetBytesPerWarp(int bytes) {
        return new PlannerTuning(bytes, threadsPerBlock, unrollForwardChannels, unrollBackwardChannels,
                stagedWeightRowBytes, stageWeightsInForward);
    }

    public PlannerTuning {
        if (targetBytesPerWarp < 1024) {
            throw new IllegalArgumentException("target bytes per warp must be >= 1024, got " + targetBytesPerWarp);
        }
        if (threadsPerBlock < 64 || threadsPerBlock > 1024 || threadsPerBlock % 64 != 0) {
            throw new IllegalArgumentException("threads per block must be a multiple of 64 in 64..1024, got "
                    + threadsPerBlock);
        }
    }
}
