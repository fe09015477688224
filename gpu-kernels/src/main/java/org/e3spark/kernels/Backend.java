package org.e3spark.kernels;

/** Where a tensor product runs. */
public enum Backend {
    /** The fast exact CPU backend: sparse CG, multithreaded over rows. What Spark CPU executors use. */
    CPU,
    /** The plain CPU reference that reads like SPEC §4: dense loops, single thread. The oracle of tests. */
    CPU_REFERENCE,
    /** NVIDIA GPUs: kernels generated per problem and compiled at run time with NVRTC. */
    CUDA,
    /**
     * AMD GPUs through the HIP runtime and hiprtc. Binds and compiles where ROCm is installed; has not run on
     * AMD hardware yet. Fails with the reason where no AMD GPU is present.
     */
    HIP,
    /** CUDA when a usable GPU and NVRTC are present, else HIP, otherwise CPU (logged once, with the reason). */
    AUTO
}
