package org.e3spark.data;

/**
 * A malformed extended XYZ file: wrong atom count, a bad number, an unknown species, a bad
 * {@code Lattice} or {@code Properties}. Names the file, the frame (0-based) and the line
 * (1-based). Always fatal: a reader cannot know where the next frame starts.
 */
public final class ExtxyzFormatException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String source;
    private final long frame;
    private final long line;

    public ExtxyzFormatException(String source, long frame, long line, String message) {
        super(source + ": frame " + frame + ", line " + line + ": " + message);
        this.source = source;
        this.frame = frame;
        this.line = line;
    }

    public String source() {
        return source;
    }

    public long frame() {
        return frame;
    }

    public long line() {
        return line;
    }
}
