package org.e3spark.kernels.bundle;

/** A kernel bundle, or one entry of it, failed verification and is not used; the message says why. */
public final class BundleRefusedException extends RuntimeException {
    public BundleRefusedException(String message) {
        super(message);
    }

    public BundleRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
