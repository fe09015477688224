package org.e3spark.kernels.cuda;

import org.e3spark.kernels.BackendUnavailableException;

/**
 * No usable NVRTC library was found. The message names every library and path that was tried,
 * and why each failed, so a user can fix the installation or set {@code e3spark.nvrtc.library}.
 */
public final class NvrtcUnavailableException extends BackendUnavailableException {
    public NvrtcUnavailableException(String message) {
        super(message);
    }

    public NvrtcUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
