package org.e3spark.cli;

import java.util.Arrays;
import org.e3spark.kernels.cuda.CudaDevice;
import org.e3spark.kernels.cuda.CudaEvent;
import org.e3spark.kernels.cuda.CudaStream;

/**
 * Times device work the way every GPU bench here reports it: five warm-up calls, then each call
 * bracketed by CUDA events on its stream, milliseconds per call; medians and percentiles of those.
 */
final class EventTimer {

    private static final int WARM_UP = 5;

    private EventTimer() {
    }

    static double[] timeMs(CudaDevice device, CudaStream stream, int repeat, Runnable call) {
        for (int i = 0; i < WARM_UP; i++) {
            call.run();
        }
        stream.synchronize();
        double[] ms = new double[repeat];
        try (CudaEvent start = device.createEvent(); CudaEvent end = device.createEvent()) {
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
