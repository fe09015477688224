package org.e3spark.kernels.internal.codegen;

/**
 * The one place generated source text is written: lines at the current indentation (four spaces
 * per level), braces that indent and dedent, and comments. Emitters never build indentation by hand,
 * so every generated file is indented the same way.
 */
final class SourceWriter {

    private static final String INDENT = "    ";

    private final StringBuilder text = new StringBuilder();
    private int depth;

    /** Writes one line at the current indentation (an empty line stays empty). */
    SourceWriter line(String s) {
        if (!s.isEmpty()) {
            text.append(INDENT.repeat(depth)).append(s);
        }
        text.append('\n');
        return this;
    }

    /** Writes a formatted line. */
    SourceWriter linef(String format, Object... args) {
        return line(String.format(java.util.Locale.ROOT, format, args));
    }

    SourceWriter blank() {
        return line("");
    }

    /** A {@code // } comment line. */
    SourceWriter comment(String s) {
        return line("// " + s);
    }

    /** Writes {@code head {} and indents. */
    SourceWriter open(String head) {
        line(head.isEmpty() ? "{" : head + " {");
        depth++;
        return this;
    }

    /** Dedents and writes {@code }} (plus an optional tail such as {@code ;}). */
    SourceWriter close(String tail) {
        if (depth == 0) {
            throw new IllegalStateException("unbalanced close in generated source");
        }
        depth--;
        return line("}" + tail);
    }

    SourceWriter close() {
        return close("");
    }

    /** Appends text written elsewhere verbatim (a prelude). */
    SourceWriter raw(String s) {
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
