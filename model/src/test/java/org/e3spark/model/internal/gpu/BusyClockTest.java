package org.e3spark.model.internal.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The busy clock against a brute-force union on a millisecond grid. */
class BusyClockTest {

    @Test
    void overlapsCountOnceAndGapsNotAtAll() {
        BusyClock c = new BusyClock();
        c.add(0, 10);
        c.add(5, 12);   // overlaps the first
        c.add(20, 30);  // after a gap
        c.add(21, 25);  // inside
        c.add(30, 31);  // touching
        assertEquals(12 + 11, c.busyNanos());
    }

    @Test
    void aRestartKeepsTheTimeAndStartsANewClock() {
        BusyClock c = new BusyClock();
        c.add(100, 110);
        c.add(105, 130);
        c.restart();
        c.add(0, 10);   // the new origin: earlier numbers, later time; must not merge with [100, 130)
        c.add(8, 12);
        assertEquals(30 + 12, c.busyNanos());
        c.restart();
        c.restart();
        assertEquals(42, c.busyNanos());
    }

    @Test
    void matchesBruteForceOnTwoStreamsSlightlyOutOfOrder() {
        SplittableRandom rng = new SplittableRandom(7);
        BusyClock c = new BusyClock();
        boolean[] grid = new boolean[200_000];
        long t = 0;
        for (int k = 0; k < 2000; k++) {
            // a feature interval, and the next batch's search that may start inside it (second stream)
            long f0 = t + rng.nextInt(5);
            long f1 = f0 + 20 + rng.nextInt(60);
            long s0 = f0 + rng.nextInt((int) (f1 - f0) + 10);
            long s1 = s0 + 1 + rng.nextInt(15);
            if (k % 2 == 0) {
                c.add(s0, s1); // reported before the interval it overlaps
                c.add(f0, f1);
            } else {
                c.add(f0, f1);
                c.add(s0, s1);
            }
            for (long q = f0; q < f1; q++) {
                grid[(int) q] = true;
            }
            for (long q = s0; q < s1; q++) {
                grid[(int) q] = true;
            }
            t = Math.max(f1, s1);
        }
        long busy = 0;
        for (boolean b : grid) {
            busy += b ? 1 : 0;
        }
        assertEquals(busy, c.busyNanos());
    }
}
