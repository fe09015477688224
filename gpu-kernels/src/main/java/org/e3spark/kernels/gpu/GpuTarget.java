package org.e3spark.kernels.gpu;

import java.util.Objects;

/**
 * The device a kernel is generated for: the source dialect, the architecture name handed to the
 * compiler, the warp (wavefront) width and the resources the planner sizes blocks and grids by.
 * The planner reads only these numbers, so one problem planned for two targets differs only where
 * these numbers differ.
 *
 * @param dialect source dialect of the prelude (CUDA or HIP)
 * @param arch architecture name, e.g. {@code "sm_90"} or {@code "gfx90a"}
 * @param warpWidth threads per warp / wavefront (32 or 64)
 * @param multiprocessors streaming multiprocessors (compute units) on the device
 * @param maxSharedMemoryPerBlock dynamic shared memory one block may opt in to, bytes
 * @param sharedMemoryPerMultiprocessor shared memory one multiprocessor holds, bytes
 */
public record GpuTarget(Dialect dialect, String arch, int warpWidth, int multiprocessors,
                        int maxSharedMemoryPerBlock, int sharedMemoryPerMultiprocessor) {

    /** The source dialect; a dialect changes only the prelude of the generated file. */
    public enum Dialect { CUDA, HIP }

    /** NVIDIA H100 SXM (sm_90): 132 SMs, 227 KB opt-in shared memory per block, 228 KB per SM. */
    public static final GpuTarget H100 = new GpuTarget(Dialect.CUDA, "sm_90", 32, 132, 227 * 1024, 228 * 1024);

    /** AMD MI250X GCD (gfx90a): wave64, 110 CUs, 64 KB LDS. */
    public static final GpuTarget MI250X = new GpuTarget(Dialect.HIP, "gfx90a", 64, 110, 64 * 1024, 64 * 1024);

    /** AMD Radeon RX 6900 XT (RDNA2, gfx1030): wave32, 80 CUs, 64 KB LDS per workgroup (CU mode). */
    public static final GpuTarget RX6900XT = new GpuTarget(Dialect.HIP, "gfx1030", 32, 80, 64 * 1024, 64 * 1024);

    public GpuTarget {
        Objects.requireNonNull(dialect, "dialect");
        Objects.requireNonNull(arch, "arch");
        if (warpWidth != 32 && warpWidth != 64) {
            throw new IllegalArgumentException("warp width must be 32 or 64, got " + warpWidth);
        }
        if (multiprocessors <= 0) {
            throw new IllegalArgumentException("multiprocessor count must be positive, got " + multiprocessors);
        }
        if (maxSharedMemoryPerBlock < 16 * 1024 || sharedMemoryPerMultiprocessor < maxSharedMemoryPerBlock) {
            throw new IllegalArgumentException("shared memory per block (" + maxSharedMemoryPerBlock
                    + ") must be >= 16 KiB and <= shared memory per multiprocessor (" + sharedMemoryPerMultiprocessor + ")");
        }
    }

    /** The same device rendered in another dialect (used to check that dialects differ only in the prelude). */
    public GpuTarget withDialect(Dialect d) {
        return new GpuTarget(d, arch, warpWidth, multiprocessors, maxSharedMemoryPerBlock, sharedMemoryPerMultiprocessor);
    }
}
