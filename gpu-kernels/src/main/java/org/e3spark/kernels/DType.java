package org.e3spark.kernels;

/** The floating-point type of a tensor product's inputs, outputs and arithmetic on the device. */
public enum DType {
    FLOAT32(4),
    FLOAT64(8);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }
}
