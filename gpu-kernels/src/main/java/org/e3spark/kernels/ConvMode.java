package org.e3spark.kernels;

/** How a fused convolution sums messages into receivers (SPEC §6). */
public enum ConvMode {
    /** Edges in any order, scattered with atomic adds on GPUs: fastest, not bit-reproducible there. */
    ATOMIC,
    /**
     * Bit-identical results run after run for any edge list: messages are summed per receiver (and
     * gradients per sender) in the graph's canonical edge order. Does not assume a symmetric graph.
     */
    DETERMINISTIC
}
