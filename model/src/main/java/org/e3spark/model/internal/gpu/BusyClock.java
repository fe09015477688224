package org.e3spark.model.internal.gpu;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * How long the device was busy with at least one of a set of intervals (GPU event times on one
 * clock): the length of their union. Kernels of two streams overlap, so summing their durations
 * overstates the busy time; this counts overlapping time once. Intervals may arrive slightly out of
 * start order (a few are held back and sorted before they are merged).
 */
final class BusyClock {

    private static final int WINDOW = 4;

    private final List<long[]> window = new ArrayList<>();
    private long merged;                 // length of the finished union segments
    private long openStart = Long.MIN_VALUE;
    private long openEnd = Long.MIN_VALUE;

    void add(long start, long end) {
        if (end <= start) {
            return;
        }
        window.add(new long[] {start, end});
        window.sort(Comparator.comparingLong(iv -> iv[0]));
        while (window.size() > WINDOW) {
            absorb(window.removeFirst());
        }
    }

    private void absorb(long[] iv) {
        if (openEnd == Long.MIN_VALUE || iv[0] > openEnd) {
            if (openEnd != Long.MIN_VALUE) {
                merged += openEnd - openStart;
            }
            openStart = iv[0];
            openEnd = iv[1];
        } else {
            openEnd = Math.max(openEnd, iv[1]);
        }
    }

    /**
     * Closes the union so far: later intervals are on a new clock (another origin) and start after
     * every earlier one ended. The busy time is kept.
     */
    void restart() {
        merged = busyNanos();
        window.clear();
        openStart = Long.MIN_VALUE;
        openEnd = Long.MIN_VALUE;
    }

    /** The union's length so far, held-back intervals included. */
    long busyNanos() {
        long m = merged;
        long s = openStart;
        long e = openEnd;
        for (long[] iv : window) {
            if (e == Long.MIN_VALUE || iv[0] > e) {
                if (e != Long.MIN_VALUE) {
                    m += e - s;
                }
                s = iv[0];
                e = iv[1];
            } else {
                e = Math.max(e, iv[1]);
            }
        }
        return e == Long.MIN_VALUE ? m : m + e - s;
    }
}
