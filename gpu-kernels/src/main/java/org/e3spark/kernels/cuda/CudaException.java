package org.e3spark.kernels.cuda;

import jcuda.driver.CUresult;

/**
 * A CUDA driver call returned an error. Carries the API name and the {@code CUresult} so a log
 * line is enough to tell which call failed and how, without a debugger on the executor.
 */
public class CudaException extends RuntimeException {

    private final String api;
    private final int result;

    public CudaException(String api, int result, String detail) {
        super(message(api, result, detail));
        this.api = api;
        this.result = result;
    }

    private static String message(String api, int result, String detail) {
        String base = api + " failed: " + resultName(result) + " (" + result + ")";
        return detail == null || detail.isEmpty() ? base : base + ": " + detail;
    }

    /** The {@code CUresult} enum name, e.g. {@code CUDA_ERROR_OUT_OF_MEMORY}. */
    public static String resultName(int result) {
        return CUresult.stringFor(result);
    }

    /** The driver entry point that failed, e.g. {@code cuMemAlloc}. */
    public String api() {
        return api;
    }

    /** The raw {@code CUresult} code. */
    public int result() {
        return result;
    }

    public String resultName() {
        return resultName(result);
    }

    public boolean isOutOfMemory() {
        return result == CUresult.CUDA_ERROR_OUT_OF_MEMORY;
    }
}
