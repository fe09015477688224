package org.e3spark.kernels.cuda;

/**
 * An NVRTC call other than the compilation itself failed (bad option, out of memory, ...).
 * A source that does not compile is a {@link KernelCompileException} instead.
 */
public final class NvrtcException extends RuntimeException {

    private final String api;
    private final int result;

    public NvrtcException(String api, int result, String errorString) {
        super(api + " failed: " + errorString + " (nvrtcResult " + result + ")");
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
