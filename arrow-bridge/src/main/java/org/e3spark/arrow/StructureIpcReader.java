package org.e3spark.arrow;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.e3spark.data.ErrorPolicy;
import org.e3spark.data.InvalidStructureException;
import org.e3spark.data.SkipLog;
import org.e3spark.data.Structure;

/**
 * Structures of an Arrow IPC file or stream, one record batch in memory at a time. Owns the Arrow
 * reader and its buffers; {@link #close()} releases them (closing twice is harmless).
 */
public final class StructureIpcReader implements Iterator<Structure>, AutoCloseable {

    private final ArrowReader reader;
    private final String source;
    private final ErrorPolicy policy;
    private final SkipLog skipLog = new SkipLog();
    private List<Structure> batch = List.of();
    private int next;
    private long batches;
    private boolean done;
    private boolean closed;

    StructureIpcReader(ArrowReader reader, String source, ErrorPolicy policy) {
        this.reader = reader;
        this.source = source;
        this.policy = policy;
    }

    @Override
    public boolean hasNext() {
        if (closed) {
            throw new IllegalStateException("reader of " + source + " is closed");
        }
        while (next >= batch.size() && !done) {
            try {
                if (reader.loadNextBatch()) {
                    batches++;
                    try {
                        batch = StructureTables.read(reader.getVectorSchemaRoot(), policy, skipLog,
                                source + ", record batch " + (batches - 1));
                    } catch (InvalidStructureException e) {
                        throw e; // names the file, batch and row already
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
                    }
                    next = 0;
                } else {
                    done = true;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("reading Arrow IPC " + source, e);
            }
        }
        return next < batch.size();
    }

    @Override
    public Structure next() {
        if (!hasNext()) {
            throw new NoSuchElementException("no more structures in " + source);
        }
        return batch.get(next++);
    }

    /** Structures skipped under {@link ErrorPolicy#SKIP}. */
    public SkipLog skipLog() {
        return skipLog;
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            reader.close();
        }
    }
}
