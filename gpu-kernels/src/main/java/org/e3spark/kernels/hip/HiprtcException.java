package org.e3spark.kernels.hip;

/**
 * A hiprtc call other than the compilation itself failed (bad option, out of memory, ...).
 * A source that does not compile is a {@link HipKernelCompileException} instead.
 */
public final class HiprtcException extends RuntimeException {

    private final String api;
    private final int result;

    public HiprtcException(String api, int result, String errorString) {
        super(api + " failed: " + errorString + " (hiprtcResult " + result + ")");
        this.api = api;
        this.result = result;
    }

    public String api() {
        return api;
    }

    public int result() {
        return result;
    }
}
