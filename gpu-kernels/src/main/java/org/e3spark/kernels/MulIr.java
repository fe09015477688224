package org.e3spark.kernels;

/** One block of an {@link Irreps}: {@code mul} copies (channels) of {@code irrep}, written {@code "32x1o"}. */
public record MulIr(int mul, Irrep irrep) {

    public MulIr {
        if (mul < 0) {
            throw new IllegalArgumentException("multiplicity must be >= 0, got " + mul + " for " + irrep);
        }
        if (irrep == null) {
            throw new IllegalArgumentException("irrep must not be null");
        }
        if ((long) mul * irrep.dim() > Integer.MAX_VALUE) { // dim() must not wrap around
            throw new IllegalArgumentException(mul + "x" + irrep + " has " + (long) mul * irrep.dim()
                    + " components, more than an int indexes");
        }
    }

    public int l() {
        return irrep.l();
    }

    /** mul * (2l + 1). */
    public int dim() {
        return mul * irrep.dim();
    }

    @Override
    public String toString() {
        return mul + "x" + irrep;
    }
}
