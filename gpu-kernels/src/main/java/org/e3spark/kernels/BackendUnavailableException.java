package org.e3spark.kernels;

/** A backend cannot run here (no driver, no GPU, no compiler); the message says which and why. */
public class BackendUnavailableException extends RuntimeException {
    public BackendUnavailableException(String message) {
        super(message);
    }

    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
