package org.e3spark.kernels.hip;

import org.e3spark.kernels.BackendUnavailableException;

/**
 * No usable hiprtc library was found. The message names every library and path that was tried,
 * and why each failed, so a user can fix the installation or set {@code e3spark.hiprtc.library}.
 */
public final class HiprtcUnavailableException extends BackendUnavailableException {
    public HiprtcUnavailableException(String message) {
        super(message);
    }
}
