package org.e3spark.kernels.hip;

import org.e3spark.kernels.BackendUnavailableException;

/**
 * No AMD GPU can be used here: the HIP runtime library ({@code libamdhip64}) is missing, or it
 * reports no device, or it failed. The message says which, with the HIP error name and code.
 */
public final class HipUnavailableException extends BackendUnavailableException {
    public HipUnavailableException(String message) {
        super(message);
    }
}
