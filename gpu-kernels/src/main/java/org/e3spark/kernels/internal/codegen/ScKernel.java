package org.e3spark.kernels.internal.codegen;

import java.util.List;

/**
 * The kernels generated for one symmetric contraction (see {@link SymmetricContractionEmitter}), and
 * the groups they are compiled in: forward first, so an inference-only user never compiles the rest.
 */
public enum ScKernel {
    /** out = SC(x, w); every element of out written. */
    FORWARD("sc_forward"),
    /** gx = dL/dx; every element written. */
    BACKWARD_X("sc_backward_x"),
    /** Per (node segment, element present there) partial sums of dL/dw, and the segment's slot table. */
    WEIGHT_PARTIALS("sc_weight_partials"),
    /** gw[z, k, c] = the partials summed over segments in segment order; every element written. */
    WEIGHT_REDUCE("sc_weight_reduce"),
    /** ggOut = the forward's tangent along (dx, dw). */
    FORWARD_TANGENT("sc_forward_tangent"),
    /** ggx = the x-gradient's tangent along (dx, dw). */
    BACKWARD_X_TANGENT("sc_backward_x_tangent"),
    /** The weight partials with each monomial replaced by its tangent along dx. */
    WEIGHT_PARTIALS_TANGENT("sc_weight_partials_tangent");

    private final String entryName;

    ScKernel(String entryName) {
        this.entryName = entryName;
    }

    /** The stable {@code extern "C"} name. */
    public String entryName() {
        return entryName;
    }

    /** Which kernels are compiled (and cached) together. */
    public enum Group {
        FORWARD(List.of(ScKernel.FORWARD)),
        BACKWARD(List.of(BACKWARD_X, WEIGHT_PARTIALS, WEIGHT_REDUCE)),
        DOUBLE_BACKWARD(List.of(FORWARD_TANGENT, BACKWARD_X_TANGENT, WEIGHT_PARTIALS_TANGENT, WEIGHT_REDUCE));

        public final List<ScKernel> kernels;

        Group(List<ScKernel> kernels) {
            this.kernels = kernels;
        }
    }
}
