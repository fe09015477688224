package org.e3spark.kernels.internal.codegen;

/**
 * The kernel variants generated for one problem. Forward and backward are what a training step
 * needs; the accumulate and weight-tangent variants let a caller compose SPEC §5's double
 * backward from forward- and backward-shaped passes (see {@link KernelAbi}).
 */
public enum KernelKind {
    /** out = TP(x, y, W); every element of out written. */
    FORWARD("tp_forward", false, false, false),
    /** out += TP(x, y, W). */
    FORWARD_ACCUMULATE("tp_forward_acc", false, true, false),
    /** out += TP(x, y, W) over the weighted instructions only (W is a weight tangent). */
    FORWARD_WEIGHT_TANGENT("tp_forward_wtan_acc", false, true, true),
    /** (gx, gy, gW) = backward(x, y, W, gout); gx, gy and per-row gW written fully. */
    BACKWARD("tp_backward", true, false, false),
    /** (gx, gy, gW) += backward(x, y, W, gout). */
    BACKWARD_ACCUMULATE("tp_backward_acc", true, true, false),
    /** (gx, gy) += backward over the weighted instructions only (W is a weight tangent). */
    BACKWARD_WEIGHT_TANGENT("tp_backward_wtan_acc", true, true, true);

    private final String entryName;
    private final boolean backward;
    private final boolean accumulate;
    private final boolean weightTangent;

    KernelKind(String entryName, boolean backward, boolean accumulate, boolean weightTangent) {
        this.entryName = entryName;
        this.backward = backward;
        this.accumulate = accumulate;
        this.weightTangent = weightTangent;
    }

    /** The stable {@code extern "C"} name of this variant's kernel. */
    public String entryName() {
        return entryName;
    }

    public boolean backward() {
        return backward;
    }

    /** True when results are added to the output buffers instead of overwriting them. */
    public boolean accumulate() {
        return accumulate;
    }

    /** True when weightless instructions are skipped (the W argument is a tangent direction). */
    public boolean weightTangent() {
        return weightTangent;
    }
}
