package org.e3spark.kernels.internal.cache;

/**
 * Counters of one {@link KernelCache}, for tests and for benchmarks that record whether caches were
 * warm. {@code corruptRebuilt} counts disk entries that failed verification and were deleted.
 */
public record KernelCacheStats(long memoryHits, long diskHits, long compiles, long corruptRebuilt) {
}
