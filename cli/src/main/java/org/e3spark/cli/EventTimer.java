package org.e3spark.cli;

import org.e3spark.kernels.gpu.GpuDevice;
import org.e3spark.kernels.gpu.GpuEvent;
import org.e3spark.kernels.gpu.GpuStream;

import java.util.Arrays;

/**
 * Times device work the way every GPU bench here reports it: five warm-up calls, then each call
 * bracketed by CUDA events on its stream, milliseconds per call; medians and percentiles of those.
 */
final class EventTimer {

    private static final int WARM_UP = 5;

    private EventTimer() {
    }

    static double[] timeMs(GpuDevice device, GpuStream stream, int repeat, Runnable call) {
        for (int i = 0; i < WARM_UP; i++) {
            call.run();
        }
        stream.synchronize();
        double[] ms = new double[repeat];
        try (GpuEvent start = device.createEvent(); GpuEvent end = device.createEvent()) {
            for (int r = 0; r < repeat; r++) {
                start.record(stream);
                call.run();
                end.record(stream);
                end.synchronize();
                ms[r] = end.elapsedMillisSince(start);
            }
        }
        return ms;
    }

    static double median(double[] v) {
        return percentile(v, 0.5);
    }

    static double percentile(double[] v, double q) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.floor(q * s.length))];
    }
}
