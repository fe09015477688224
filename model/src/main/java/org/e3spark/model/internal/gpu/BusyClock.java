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
    private Union union = new Union();

    /** Finished segments' length plus the open segment [start, end), intervals absorbed in start order. */
    private static final class Union {
        long merged;
        long start = Long.MIN_VALUE;
        long end = Long.MIN_VALUE;

        void absorb(long[] iv) {
            if (end == Long.MIN_VALUE || iv[0] > end) {
                merged = length();
                start = iv[0];
                end = iv[1];
            } else {
                end = Math.max(end, iv[1]);
            }
        }

        long length() {
            return end == Long.MIN_VALUE ? merged : merged + end - start;
        }

        Union copy() {
            Union u = new Union();
            u.merged = merged;
            u.start = start;
            u.end = end;
            return u;
        }
    }

    void add(long start, long end) {
        if (end <= start) {
            return;
        }
        window.add(new long[] {start, end});
        window.sort(Comparator.comparingLong(iv -> iv[0]));
        while (window.size() > WINDOW) {
            union.absorb(window.removeFirst());
        }
    }

    /**
     * Closes the union so far: later intervals are on a new clock (another origin) and start after
     * every earlier one ended. The busy time is kept.
     */
    void restart() {
        Union closed = new Union();
        closed.merged = busyNanos();
        union = closed;
        window.clear();
    }

    /** The union's length so far, held-back intervals included. */
    long busyNanos() {
        Union u = union.copy();
        window.forEach(u::absorb);
        return u.length();
    }
}
