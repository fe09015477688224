package org.e3spark.arrow;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileReader;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowReader;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.ArrowWriter;
import org.e3spark.data.ErrorPolicy;

/**
 * Arrow IPC (the file format, also known as Feather v2, and the stream format) for structure
 * tables. Writers take the structures and a rows-per-batch count (the schema is computed from all
 * structures, so every batch shares it); readers stream one record batch at a time
 * ({@link StructureIpcReader}). Every Arrow buffer comes from the caller's allocator and is
 * released before a method returns (writers) or when the reader is closed.
 */
public final class ArrowIpc {

    private ArrowIpc() {
    }

    /** Writes an Arrow IPC file (Feather v2). */
    public static void writeFile(Path file, BufferAllocator allocator, List<org.e3spark.data.Structure> structures,
                                 int rowsPerBatch) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            write(structures, allocator, rowsPerBatch, root -> new ArrowFileWriter(root, null, ch));
        }
    }

    /** Writes the Arrow IPC stream format to {@code out} (not closed). */
    public static void writeStream(OutputStream out, BufferAllocator allocator, List<org.e3spark.data.Structure> structures,
                                   int rowsPerBatch) throws IOException {
        OutputStream unclosed = new java.io.FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush(); // the caller owns out
            }
        };
        write(structures, allocator, rowsPerBatch, root -> new ArrowStreamWriter(root, null, Channels.newChannel(unclosed)));
    }

    private interface WriterFactory {
        ArrowWriter open(VectorSchemaRoot root) throws IOException;
    }

    private static void write(List<org.e3spark.data.Structure> structures, BufferAllocator allocator, int rowsPerBatch,
                              WriterFactory factory) throws IOException {
        if (rowsPerBatch < 1) {
            throw new IllegalArgumentException("rows per batch must be >= 1, got " + rowsPerBatch);
        }
        // One schema for all batches: the union of every structure's pass-through columns.
        List<StructureSchema.Column> columns = StructureSchema.columns(structures);
        try (VectorSchemaRoot root = VectorSchemaRoot.create(StructureSchema.schemaOf(columns), allocator);
             ArrowWriter writer = factory.open(root)) {
            writer.start();
            for (int from = 0; from < structures.size(); from += rowsPerBatch) {
                List<org.e3spark.data.Structure> part = structures.subList(from, Math.min(structures.size(), from + rowsPerBatch));
                try (VectorSchemaRoot batch = StructureTables.allocateTable(allocator, part, columns)) {
                    root.clear();
                    transfer(batch, root);
                    writer.writeBatch();
                }
            }
            writer.end();
        }
    }

    private static void transfer(VectorSchemaRoot from, VectorSchemaRoot to) {
        for (int k = 0; k < from.getFieldVectors().size(); k++) {
            from.getVector(k).makeTransferPair(to.getVector(k)).transfer();
        }
        to.setRowCount(from.getRowCount());
    }

    /** Opens an Arrow IPC file for streaming reads; the reader owns its buffers until closed. */
    public static StructureIpcReader openFile(Path file, BufferAllocator allocator, ErrorPolicy policy) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return new StructureIpcReader(new ArrowFileReader(ch, allocator), file.toString(), policy);
        } catch (RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Reads the Arrow IPC stream format from {@code in} (closed with the reader). */
    public static StructureIpcReader openStream(InputStream in, String source, BufferAllocator allocator,
                                                ErrorPolicy policy) {
        ArrowReader reader = new ArrowStreamReader(in, allocator);
        return new StructureIpcReader(reader, source, policy);
    }
}
