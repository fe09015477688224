package org.e3spark.kernels.gpu;

/**
 * The one place generated source text is written: lines at the current indentation (four spaces
 * per level), braces that indent and dedent, and comments. Emitters never build indentation by hand,
 * so every generated file is indented the same way.
 */
public final class SourceWriter {

    private static final String INDENT = "    ";

    private final StringBuilder text = new StringBuilder();
    private int depth;

    /** Writes one line at the current indentation (an empty line stays empty). */
    public SourceWriter line(String s) {
        if (!s.isEmpty()) {
            text.append(INDENT.repeat(depth)).append(s);
        }
        text.append('\n');
        return this;
    }

    /** Writes a formatted line. */
    public SourceWriter linef(String format, Object... args) {
        return line(String.format(java.util.Locale.ROOT, format, args));
    }

    public SourceWriter blank() {
        return line("");
    }

    /** A {@code // } comment line. */
    public SourceWriter comment(String s) {
        return line("// " + s);
    }

    /** Writes {@code head {} and indents. */
    public SourceWriter open(String head) {
        line(head.isEmpty() ? "{" : head + " {");
        depth++;
        return this;
    }

    /** Dedents and writes {@code }} (plus an optional tail such as {@code ;}). */
    public SourceWriter close(String tail) {
        if (depth == 0) {
            throw new IllegalStateException("unbalanced close in generated source");
        }
        depth--;
        return line("}" + tail);
    }

    public SourceWriter close() {
        return close("");
    }

    /** Appends text written elsewhere verbatim (a prelude). */
    public SourceWriter raw(String s) {
        text.append(s);
        return this;
    }

    @Override
    public String toString() {
        if (depth != 0) {
            throw new IllegalStateException("generated source left " + depth + " block(s) open");
        }
        return text.toString();
    }
}
