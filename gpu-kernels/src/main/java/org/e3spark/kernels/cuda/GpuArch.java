package org.e3spark.kernels.cuda;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A CUDA compute capability, e.g. (9, 0) for the H100. Kernels are compiled to CUBIN for exactly
 * this architecture ({@link #smName()}), never to PTX: a newer NVRTC's PTX may not load on an older
 * driver, and the cache key must name what the binary runs on.
 */
public record GpuArch(int major, int minor) implements Comparable<GpuArch> {

    private static final Pattern SM = Pattern.compile("sm_(\\d+)(\\d)");

    public GpuArch {
        if (major < 1 || major > 99) {
            throw new IllegalArgumentException("compute capability major out of range: " + major);
        }
        if (minor < 0 || minor > 9) {
            throw new IllegalArgumentException("compute capability minor out of range: " + minor);
        }
    }

    /** Parses {@code sm_90} or {@code sm_120}. */
    public static GpuArch parse(String smName) {
        Matcher m = SM.matcher(smName);
        if (!m.matches()) {
            throw new IllegalArgumentException("not an sm_XY architecture name: '" + smName + "'");
        }
        return new GpuArch(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    /** From NVRTC's integer form, e.g. 90 → (9, 0), 120 → (12, 0). */
    public static GpuArch fromNumber(int number) {
        return new GpuArch(number / 10, number % 10);
    }

    /** NVRTC's integer form: 10 × major + minor. */
    public int number() {
        return major * 10 + minor;
    }

    /** The NVRTC/PTXAS name, e.g. {@code sm_90}. */
    public String smName() {
        return "sm_" + major + minor;
    }

    @Override
    public int compareTo(GpuArch other) {
        return Integer.compare(number(), other.number());
    }

    @Override
    public String toString() {
        return smName();
    }
}
