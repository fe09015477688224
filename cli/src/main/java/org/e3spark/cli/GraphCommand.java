package org.e3spark.cli;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.e3spark.data.ErrorPolicy;
import org.e3spark.data.Structure;
import org.e3spark.graph.EdgeList;
import org.e3spark.graph.RadiusGraph;

/**
 * {@code graph --cutoff R [--format extxyz|arrow|arrow-stream|parquet] [--output F]
 * [--on-error fail|skip] FILE}: the radius-graph edge list of every structure as CSV
 * ({@code structure_id,receiver,sender,shift_a,shift_b,shift_c,distance}; shifts in cell
 * vectors, distance in Å), so users can inspect cutoffs. FILE {@code @sample} is the bundled
 * sample. A summary goes to stderr.
 */
final class GraphCommand implements Main.Command {

    static final String HEADER = "structure_id,receiver,sender,shift_a,shift_b,shift_c,distance";

    @Override
    public String summary() {
        return "edge list CSV of every structure: --cutoff R [--format extxyz|arrow|arrow-stream] [--output F] "
                + "[--on-error fail|skip] FILE (or @sample)";
    }

    @Override
    public int run(Options options) throws Exception {
        String cutoffText = options.get("cutoff", null);
        String formatName = options.get("format", null);
        String output = options.get("output", null);
        String onError = options.get("on-error", "fail");
        List<String> files = options.positionals();
        options.rejectUnknown();
        if (cutoffText == null) {
            throw new IllegalArgumentException("--cutoff R (Å) is required");
        }
        double cutoff;
        try {
            cutoff = Double.parseDouble(cutoffText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--cutoff must be a number of Å, got '" + cutoffText + "'");
        }
        RadiusGraph graph = new RadiusGraph(cutoff);
        ErrorPolicy policy = switch (onError) {
            case "fail" -> ErrorPolicy.FAIL;
            case "skip" -> ErrorPolicy.SKIP;
            default -> throw new IllegalArgumentException("--on-error must be fail or skip, got '" + onError + "'");
        };
        if (files.size() != 1) {
            throw new IllegalArgumentException("give exactly one input file (or @sample), got " + files.size());
        }
        String file = files.getFirst();
        StructureSource.Format format = StructureSource.format(formatName, file);
        long structures = 0;
        long atoms = 0;
        long edges = 0;
        boolean arrow = format == StructureSource.Format.ARROW || format == StructureSource.Format.ARROW_STREAM;
        try (BufferAllocator allocator = arrow ? new RootAllocator() : null;
             StructureSource source = StructureSource.open(file, format, policy, allocator);
             PrintWriter out = new PrintWriter(output == null
                     ? new BufferedWriter(new OutputStreamWriter(unclosed(System.out), StandardCharsets.UTF_8), 1 << 16)
                     : Files.newBufferedWriter(Path.of(output), StandardCharsets.UTF_8))) {
            out.println(HEADER);
            StringBuilder line = new StringBuilder(64);
            while (source.hasNext()) {
                Structure s = source.next();
                EdgeList g = graph.build(s);
                for (int e = 0; e < g.edgeCount(); e++) {
                    line.setLength(0);
                    line.append(s.id()).append(',').append(g.receiver(e)).append(',').append(g.sender(e)).append(',')
                            .append(g.shift(e, 0)).append(',').append(g.shift(e, 1)).append(',').append(g.shift(e, 2))
                            .append(',').append(g.length(e));
                    out.println(line);
                }
                structures++;
                atoms += s.atomCount();
                edges += g.edgeCount();
            }
            out.flush();
            if (out.checkError()) {
                throw new java.io.IOException("writing " + (output == null ? "stdout" : output) + " failed");
            }
            System.err.printf("e3spark graph: %d structures, %d atoms, %d edges (cutoff %s Å); %s%n", structures, atoms,
                    edges, cutoffText, source.skipLog().summary());
        }
        return 0;
    }

    /** stdout for a writer that may close it: closing only flushes. */
    private static java.io.OutputStream unclosed(java.io.OutputStream out) {
        return new java.io.FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws java.io.IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws java.io.IOException {
                flush();
            }
        };
    }
}
