package org.e3spark.kernels.internal.codegen;

/** A run of {@code length} elements starting at {@code offset} (in whatever buffer the owner names). */
public record Span(int offset, int length) {

    public Span {
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("span needs offset, length >= 0: " + offset + ", " + length);
        }
    }
}
