package org.e3spark.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * Streams structures out of a multi-frame extended XYZ file (ASE's format), one frame in memory
 * at a time. Per frame: an atom count line, a comment line of {@code key=value} pairs
 * ({@code Lattice="ax ay az bx by bz cx cy cz"}, {@code pbc="T T F"},
 * {@code Properties=species:S:1:pos:R:3:forces:R:3}, anything else kept as {@link Structure#info()})
 * and one line per atom with the columns {@code Properties} declares (extra columns become
 * {@link Structure#arrays()}). A plain XYZ comment line means {@code species pos} columns and no cell.
 * Species are symbols or atomic numbers; a {@code Z:I:1} column works too. A Lattice without pbc
 * is periodic on all axes (as ASE). The id is the frame's {@code structure_id=} if given, else
 * {@code firstId} + frame index.
 *
 * <p>Malformed text throws {@link ExtxyzFormatException} (file, frame, line). A well-formed frame
 * that fails {@link Structure}'s checks (NaN positions, singular periodic cell ...) goes to the
 * {@link ErrorPolicy}: thrown, or skipped and counted in {@link #skipLog()}.
 */
public final class ExtxyzReader implements Iterator<Structure>, AutoCloseable {

    private final BufferedReader in;
    private final String source;
    private final ErrorPolicy policy;
    private final long firstId;
    private final SkipLog skipLog = new SkipLog();
    private final ExtxyzColumns.Tokenizer tokens = new ExtxyzColumns.Tokenizer();
    private long line;
    private long frame;
    private Structure next;
    private boolean done;

    public ExtxyzReader(Reader reader, String source, ErrorPolicy policy, long firstId) {
        this.in = reader instanceof BufferedReader b ? b : new BufferedReader(reader, 1 << 16);
        this.source = source;
        this.policy = policy;
        this.firstId = firstId;
    }

    /** Opens a file (UTF-8); ids start at 0. */
    public static ExtxyzReader open(Path file, ErrorPolicy policy) throws IOException {
        return new ExtxyzReader(Files.newBufferedReader(file, StandardCharsets.UTF_8), file.toString(), policy, 0);
    }

    /** Reads every structure of a small file into a list (tests, samples). */
    public static List<Structure> readAll(Path file, ErrorPolicy policy) throws IOException {
        try (ExtxyzReader r = open(file, policy)) {
            List<Structure> out = new ArrayList<>();
            r.forEachRemaining(out::add);
            return out;
        }
    }

    /** The remaining structures as a sequential stream (closing the stream does not close the reader). */
    public Stream<Structure> stream() {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED | Spliterator.NONNULL),
                false);
    }

    /** Structures skipped so far under {@link ErrorPolicy#SKIP}. */
    public SkipLog skipLog() {
        return skipLog;
    }

    /** Frames read so far, skipped ones included. */
    public long framesRead() {
        return frame;
    }

    @Override
    public boolean hasNext() {
        while (next == null && !done) {
            next = readFrame();
        }
        return next != null;
    }

    @Override
    public Structure next() {
        if (!hasNext()) {
            throw new NoSuchElementException("no more frames in " + source);
        }
        Structure s = next;
        next = null;
        return s;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    private String readLine() {
        try {
            String s = in.readLine();
            if (s != null) {
                line++;
            }
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + source + " at line " + (line + 1), e);
        }
    }

    private ExtxyzFormatException error(String message) {
        return new ExtxyzFormatException(source, frame, line, message);
    }

    /** One frame: a structure, or null when it was skipped (then done may still be false). */
    private Structure readFrame() {
        String countLine;
        do {
            countLine = readLine();
        } while (countLine != null && countLine.isBlank());
        if (countLine == null) {
            done = true;
            return null;
        }
        int count;
        try {
            count = Integer.parseInt(countLine.strip());
        } catch (NumberFormatException e) {
            throw error("expected the atom count of a frame, got '" + abbreviate(countLine)
                    + "' (does the previous frame have more atom lines than its count?)");
        }
        if (count < 0) {
            throw error("negative atom count " + count);
        }
        String comment = readLine();
        if (comment == null) {
            throw error("file ends before the comment line of a frame of " + count + " atoms");
        }
        long commentLine = line;
        Map<String, String> raw;
        try {
            raw = ExtxyzComment.isExtended(comment) ? ExtxyzComment.parse(comment) : Map.of();
        } catch (IllegalArgumentException e) {
            if (comment.contains("Properties=") || comment.contains("Lattice=") || comment.contains("pbc=")) {
                throw error("bad comment line: " + e.getMessage());
            }
            raw = Map.of(); // a free-text comment that merely contains '=' (plain XYZ)
        }
        ExtxyzColumns columns;
        try {
            columns = ExtxyzColumns.parse(raw.getOrDefault("Properties", "species:S:1:pos:R:3"), count);
        } catch (IllegalArgumentException e) {
            throw error("bad Properties: " + e.getMessage());
        }
        FrameHeader header = header(raw, comment);
        for (int atom = 0; atom < count; atom++) {
            String atomLine = readLine();
            if (atomLine == null) {
                throw error("frame declares " + count + " atoms but the file ends after " + atom + " atom lines");
            }
            int n = tokens.split(atomLine);
            if (n != columns.width()) {
                throw error("atom line has " + n + " values, Properties declares " + columns.width()
                        + " (" + columns.describe() + "); is the atom count " + count + " right?");
            }
            try {
                columns.read(atom, tokens);
            } catch (IllegalArgumentException e) {
                throw error(e.getMessage());
            }
        }
        long frameIndex = frame++;
        long id = header.id != null ? header.id : firstId + frameIndex;
        try {
            if (count == 0) {
                throw new InvalidStructureException("structure " + id + ": frame has no atoms");
            }
            if (header.cellError != null) {
                throw new InvalidStructureException((header.idError ? "" : "structure " + id + ": ")
                        + header.cellError.getMessage());
            }
            return new Structure(id, columns.numbers(), columns.positions(), header.cell, header.info, columns.arrays());
        } catch (InvalidStructureException e) {
            skipLog.handle(policy, header.idError ? null : id, new InvalidStructureException(source + ": frame " + frameIndex + " (line "
                    + (commentLine - 1) + "): " + e.getMessage(), e));
            return null;
        }
    }

    /** The comment line's meaning; a well-formed but unusable cell is kept as an error for the policy. */
    private record FrameHeader(Cell cell, InvalidStructureException cellError, Long id, Map<String, Property> info,
                               boolean idError) {
    }

    private FrameHeader header(Map<String, String> raw, String comment) {
        Map<String, Property> info = new LinkedHashMap<>();
        if (raw.isEmpty() && !comment.isBlank()) {
            info.put("comment", new Property.Text(comment.strip()));
        }
        double[] lattice = null;
        boolean[] pbc = null;
        Long id = null;
        InvalidStructureException badId = null;
        for (Map.Entry<String, String> e : raw.entrySet()) {
            String key = e.getKey();
            String value = e.getValue();
            switch (key) {
                case "Properties" -> { }
                case "Lattice" -> {
                    String[] t = value.strip().split("\\s+");
                    if (t.length != 9) {
                        throw error("Lattice must have 9 numbers (3 row vectors), got " + t.length + ": \"" + value + "\"");
                    }
                    lattice = new double[9];
                    for (int k = 0; k < 9; k++) {
                        lattice[k] = ExtxyzComment.parseReal(t[k]);
                        if (Double.isNaN(lattice[k]) && !ExtxyzComment.isNaNToken(t[k])) {
                            throw error("Lattice value " + (k + 1) + " is not a number: '" + t[k] + "'");
                        }
                    }
                }
                case "pbc" -> {
                    String[] t = value.strip().split("\\s+");
                    if (t.length != 3) {
                        throw error("pbc must have 3 flags (T/F), got \"" + value + "\"");
                    }
                    pbc = new boolean[3];
                    for (int k = 0; k < 3; k++) {
                        Boolean b = ExtxyzComment.parseBool(t[k]);
                        if (b == null) {
                            throw error("pbc flag " + (k + 1) + " must be T or F, got '" + t[k] + "'");
                        }
                        pbc[k] = b;
                    }
                }
                default -> {
                    Property p = ExtxyzComment.typed(value);
                    if (key.equals("structure_id")) {
                        // an id that is not an integer was kept as a text property while the frame took
                        // firstId + frame as its id: the frame's own id must be used or the frame refused
                        if (!(p instanceof Property.Int i)) {
                            badId = new InvalidStructureException("structure_id=\"" + value + "\" is not an integer");
                        } else {
                            id = i.value();
                        }
                    } else {
                        info.put(key, p);
                    }
                }
            }
        }
        if (badId != null) {
            return new FrameHeader(null, badId, null, info, true);
        }
        Cell cell = null;
        if (lattice != null) {
            try {
                cell = new Cell(lattice, pbc != null ? pbc : new boolean[] {true, true, true});
            } catch (InvalidStructureException e) {
                return new FrameHeader(null, e, id, info, false);
            }
        } else if (pbc != null && (pbc[0] || pbc[1] || pbc[2])) {
            throw error("pbc=\"" + raw.get("pbc") + "\" without a Lattice");
        }
        return new FrameHeader(cell, null, id, info, false);
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }
}
