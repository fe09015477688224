package org.e3spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.e3spark.arrow.ArrowIpc;
import org.e3spark.data.SampleDataset;
import org.e3spark.data.Structure;
import org.e3spark.graph.RadiusGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GraphCommandTest {

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void sampleEdgeListAsCsv() {
        Result r = run("graph", "--cutoff", "4.5", "@sample");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(GraphCommand.HEADER, lines.getFirst());
        RadiusGraph g = new RadiusGraph(4.5);
        long edges = SampleDataset.load().stream().mapToLong(s -> g.build(s).edgeCount()).sum();
        assertEquals(edges + 1, lines.size());
        assertTrue(r.err().contains("9 structures, 386 atoms, " + edges + " edges"), r.err());
        // The one-atom FCC copper cell (structure 3): 12 + 6 + 24 self-image neighbors within 4.5 Å.
        assertEquals(42, lines.stream().filter(l -> l.startsWith("3,0,0,")).count());
    }

    @Test
    void extxyzAndArrowInputsGiveTheSameCsv(@TempDir Path dir) throws Exception {
        List<Structure> sample = SampleDataset.load();
        Path arrow = dir.resolve("sample.arrow");
        try (BufferAllocator allocator = new RootAllocator()) {
            ArrowIpc.writeFile(arrow, allocator, sample, 4);
            assertEquals(0, allocator.getAllocatedMemory());
        }
        Path csv = dir.resolve("edges.csv");
        Result a = run("graph", "--cutoff", "3.2", "@sample");
        Result b = run("graph", "--cutoff", "3.2", "--output", csv.toString(), arrow.toString());
        assertEquals(0, b.code(), b.err());
        assertEquals(a.out(), Files.readString(csv));
        Result c = run("graph", "--format", "arrow", "--cutoff=3.2", arrow.toString());
        assertEquals(a.out(), c.out());
    }

    @Test
    void mistakesAreNamed(@TempDir Path dir) throws Exception {
        Result r = run("graph", "@sample");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--cutoff R (Å) is required"), r.err());
        r = run("graph", "--cutoff", "5", "data.bin");
        assertTrue(r.err().contains("give --format"), r.err());
        Path bad = dir.resolve("bad.xyz");
        Files.writeString(bad, "2\ncomment\nH 0 0 0\n");
        r = run("graph", "--cutoff", "5", bad.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("bad.xyz: frame 0, line 3"), r.err());
        Path nan = dir.resolve("nan.xyz");
        Files.writeString(nan, "1\nc\nH nan 0 0\n1\nc\nH 0 0 0\n");
        r = run("graph", "--cutoff", "5", "--on-error", "skip", nan.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("skipped 1 invalid structure;"), r.err());
        r = run("tp", "stray");
        assertTrue(r.err().contains("expected an option like --name value, got 'stray'"), r.err());
    }

    @Test
    void graphBenchPrintsEveryStage() {
        Result r = run("graph-bench", "--structures", "13", "--repeat", "1", "--budget-nodes", "207");
        assertEquals(0, r.code(), r.err());
        for (String stage : new String[] {"radius graph", "edge features", "pack batches", "batcher:", "copy into Arrow, fresh", "copy into Arrow, reused"}) {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(stage)), stage + " in\n" + r.out());
        }
    }
}
