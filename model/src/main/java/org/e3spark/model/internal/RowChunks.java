package org.e3spark.model.internal;

import java.util.stream.IntStream;

/**
 * Runs a per-row computation over fixed chunks of rows, in parallel on the common fork-join pool
 * when there is more than one chunk. Every row is computed by exactly the same arithmetic as a
 * serial loop would, so results do not depend on the thread count.
 */
public final class RowChunks {

    /** Rows per task: enough work to amortize scheduling, few enough to balance load. */
    static final int CHUNK = 64;

    /** Body of one chunk: rows [from, to). */
    @FunctionalInterface
    public interface Body {
        void run(int from, int to);
    }

    private RowChunks() {
    }

    public static void forEach(int rows, Body body) {
        int chunks = (rows + CHUNK - 1) / CHUNK;
        if (chunks <= 1) {
            body.run(0, rows);
            return;
        }
        IntStream.range(0, chunks).parallel().forEach(c -> body.run(c * CHUNK, Math.min(rows, (c + 1) * CHUNK)));
    }
}
