package org.e3spark.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import org.e3spark.spark.ParquetStructures;
import org.apache.arrow.memory.BufferAllocator;
import org.e3spark.arrow.ArrowIpc;
import org.e3spark.arrow.StructureIpcReader;
import org.e3spark.data.ErrorPolicy;
import org.e3spark.data.ExtxyzReader;
import org.e3spark.data.SampleDataset;
import org.e3spark.data.SkipLog;
import org.e3spark.data.Structure;

/**
 * Structures from a file the command line names: extended XYZ, Arrow IPC (file or stream), or
 * {@code @sample} (the bundled sample). Parquet is left to the Spark job: Arrow's Java dataset
 * module, the only Arrow route to Parquet without Hadoop, is a JNI library (and is not published
 * for Arrow 19), so Parquet is read through a local Spark session ({@link ParquetStructures}),
 * whose jars bin/e3spark puts on the classpath for it.
 */
final class StructureSource implements Iterator<Structure>, AutoCloseable {

    enum Format { EXTXYZ, ARROW, ARROW_STREAM, PARQUET }

    /** What closing a source does (the readers' close, which may fail with an IOException). */
    private interface Closer {
        void close() throws IOException;
    }

    private final Iterator<Structure> it;
    private final Closer closer;
    private final SkipLog skipLog;

    private StructureSource(Iterator<Structure> it, Closer closer, SkipLog skipLog) {
        this.it = it;
        this.closer = closer;
        this.skipLog = skipLog;
    }

    static Format format(String name, String file) {
        String f = name != null ? name : guess(file);
        return switch (f.toLowerCase(Locale.ROOT)) {
            case "extxyz", "xyz" -> Format.EXTXYZ;
            case "arrow", "feather", "ipc" -> Format.ARROW;
            case "arrow-stream", "arrows" -> Format.ARROW_STREAM;
            case "parquet" -> Format.PARQUET;
            default -> throw new IllegalArgumentException("format '" + f + "' must be extxyz, arrow, arrow-stream or parquet");
        };
    }

    private static String guess(String file) {
        String lower = file.toLowerCase(Locale.ROOT);
        if (lower.equals("@sample") || lower.endsWith(".xyz") || lower.endsWith(".extxyz")) {
            return "extxyz";
        }
        if (lower.endsWith(".arrows")) {
            return "arrow-stream";
        }
        if (lower.endsWith(".arrow") || lower.endsWith(".feather") || lower.endsWith(".ipc")) {
            return "arrow";
        }
        if (lower.endsWith(".parquet")) {
            return "parquet";
        }
        throw new IllegalArgumentException("cannot tell the format of '" + file + "' from its name; give --format");
    }

    static StructureSource open(String file, Format format, ErrorPolicy policy, BufferAllocator allocator)
            throws IOException {
        if (file.equals("@sample")) {
            ExtxyzReader r = SampleDataset.open();
            return new StructureSource(r, r::close, r.skipLog());
        }
        Path path = Path.of(file);
        if (format != Format.PARQUET && !Files.isReadable(path)) {
            throw new IllegalArgumentException("cannot read '" + file + "'");
        }
        return switch (format) {
            case EXTXYZ -> {
                ExtxyzReader r = ExtxyzReader.open(path, policy);
                yield new StructureSource(r, r::close, r.skipLog());
            }
            case ARROW -> {
                StructureIpcReader r = ArrowIpc.openFile(path, allocator, policy);
                yield new StructureSource(r, r::close, r.skipLog());
            }
            case ARROW_STREAM -> {
                StructureIpcReader r = ArrowIpc.openStream(Files.newInputStream(path), file, allocator, policy);
                yield new StructureSource(r, r::close, r.skipLog());
            }
            case PARQUET -> {
                ParquetStructures r = ParquetStructures.open(file, policy);
                yield new StructureSource(r, r::close, r.skipLog());
            }
        };
    }

    SkipLog skipLog() {
        return skipLog;
    }

    @Override
    public boolean hasNext() {
        return it.hasNext();
    }

    @Override
    public Structure next() {
        return it.next();
    }

    @Override
    public void close() throws IOException {
        closer.close();
    }
}
