package org.e3spark.kernels;

/**
 * How the {@code mul} channels and {@code 2l+1} components of one irreps block are laid out
 * within a feature row. Blocks always follow each other in irreps order and batch rows are
 * outermost; only the order inside a block differs.
 */
public enum Layout {
    /** e3nn's layout: element (u, m) of a block at {@code start + u*(2l+1) + m}. */
    MUL_IR,
    /** cuEquivariance's layout: element (u, m) of a block at {@code start + m*mul + u}. */
    IR_MUL;

    /** Offset of channel u's step within a block of the given shape. */
    public int channelStride(MulIr block) {
        return this == MUL_IR ? block.irrep().dim() : 1;
    }

    /** Offset of component m's step (index m + l) within a block of the given shape. */
    public int componentStride(MulIr block) {
        return this == MUL_IR ? 1 : block.mul();
    }
}
