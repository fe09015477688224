package org.e3spark.kernels;

/**
 * One path of a tensor product, e3nn's instruction tuple
 * {@code (i_in1, i_in2, i_out, connection_mode, has_weight, path_weight)}: it couples block
 * {@code in1} of input 1 and block {@code in2} of input 2 into block {@code out} of the output.
 * {@code pathWeight} is the user's factor, which sits inside the square root of the final
 * coefficient (SPEC §4).
 */
public record Instruction(int in1, int in2, int out, ConnectionMode mode, boolean hasWeight, double pathWeight) {

    public Instruction {
        if (mode == null) {
            throw new IllegalArgumentException("connection mode must not be null");
        }
        if (!Double.isFinite(pathWeight) || pathWeight < 0) {
            throw new IllegalArgumentException("path weight must be finite and >= 0, got " + pathWeight);
        }
    }

    @Override
    public String toString() {
        return "(" + in1 + ", " + in2 + ", " + out + ", " + mode.e3nnName() + ", " + hasWeight + ", " + pathWeight + ")";
    }
}
