package org.e3spark.data;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The comment (second) line of an extended XYZ frame: whitespace-separated {@code key=value}
 * pairs, values bare or in double quotes (backslash escapes {@code \"} and {@code \\}); a bare
 * key means {@code key=T}. A line with no {@code =} at all is a plain XYZ comment.
 * Also the typing of values and their rendering back, shared by reader and writer.
 */
final class ExtxyzComment {

    private ExtxyzComment() {
    }

    /** Raw values by key in line order; throws IllegalArgumentException on an unterminated quote. */
    static Map<String, String> parse(String line) {
        Map<String, String> out = new LinkedHashMap<>();
        int i = 0;
        int n = line.length();
        while (true) {
            while (i < n && Character.isWhitespace(line.charAt(i))) {
                i++;
            }
            if (i >= n) {
                return out;
            }
            StringBuilder key = new StringBuilder();
            i = token(line, i, key, true);
            String value = "T";
            if (i < n && line.charAt(i) == '=') {
                StringBuilder v = new StringBuilder();
                i = token(line, i + 1, v, false);
                value = v.toString();
            }
            if (key.isEmpty()) {
                throw new IllegalArgumentException("empty key at column " + (i + 1));
            }
            out.put(key.toString(), value);
        }
    }

    private static int token(String line, int i, StringBuilder into, boolean stopAtEquals) {
        int n = line.length();
        if (i < n && line.charAt(i) == '"') {
            i++;
            while (i < n && line.charAt(i) != '"') {
                char c = line.charAt(i);
                if (c == '\\' && i + 1 < n) {
                    c = line.charAt(++i);
                }
                into.append(c);
                i++;
            }
            if (i >= n) {
                throw new IllegalArgumentException("unterminated quote in '" + line + "'");
            }
            return i + 1;
        }
        while (i < n && !Character.isWhitespace(line.charAt(i)) && !(stopAtEquals && line.charAt(i) == '=')) {
            into.append(line.charAt(i++));
        }
        return i;
    }

    /** Whether the line is a key=value comment (else plain XYZ). */
    static boolean isExtended(String line) {
        return line.indexOf('=') >= 0;
    }

    /** Types a raw value: int, float, bool (T/F/True/False), arrays of them, else text. */
    static Property typed(String raw) {
        String[] t = raw.strip().split("\\s+");
        if (raw.isBlank()) {
            return new Property.Text(raw);
        }
        long[] ints = new long[t.length];
        boolean allInts = true;
        for (int k = 0; k < t.length && allInts; k++) {
            try {
                ints[k] = Long.parseLong(t[k]);
            } catch (NumberFormatException e) {
                allInts = false;
            }
        }
        if (allInts) {
            return t.length == 1 ? new Property.Int(ints[0]) : new Property.Ints(ints);
        }
        double[] reals = new double[t.length];
        boolean allReals = true;
        for (int k = 0; k < t.length && allReals; k++) {
            reals[k] = parseReal(t[k]);
            allReals = !Double.isNaN(reals[k]) || isNaNToken(t[k]);
        }
        if (allReals) {
            return t.length == 1 ? new Property.Real(reals[0]) : new Property.Reals(reals);
        }
        boolean[] bools = new boolean[t.length];
        for (int k = 0; k < t.length; k++) {
            Boolean b = parseBool(t[k]);
            if (b == null) {
                return new Property.Text(raw);
            }
            bools[k] = b;
        }
        return t.length == 1 ? new Property.Bool(bools[0]) : new Property.Bools(bools);
    }

    /** A float as Python or Java writes it ("nan", "inf", "-Infinity" included); NaN if not a number. */
    static double parseReal(String s) {
        switch (s.toLowerCase()) {
            case "nan", "+nan", "-nan" -> {
                return Double.NaN;
            }
            case "inf", "+inf", "infinity", "+infinity" -> {
                return Double.POSITIVE_INFINITY;
            }
            case "-inf", "-infinity" -> {
                return Double.NEGATIVE_INFINITY;
            }
            default -> {
                // Java would accept a trailing d/f and hex floats; extxyz has neither.
                char last = s.isEmpty() ? ' ' : Character.toLowerCase(s.charAt(s.length() - 1));
                if (last == 'd' || last == 'f' || s.contains("x") || s.contains("X")) {
                    return Double.NaN;
                }
                try {
                    return Double.parseDouble(s);
                } catch (NumberFormatException e) {
                    return Double.NaN;
                }
            }
        }
    }

    static boolean isNaNToken(String s) {
        String l = s.toLowerCase();
        return l.equals("nan") || l.equals("+nan") || l.equals("-nan");
    }

    static Boolean parseBool(String s) {
        return switch (s) {
            case "T", "True", "true", "TRUE" -> Boolean.TRUE;
            case "F", "False", "false", "FALSE" -> Boolean.FALSE;
            default -> null;
        };
    }

    /** A value as the writer puts it after {@code key=}; the reader types it back to an equal value. */
    static String render(Property p) {
        return switch (p) {
            case Property.Real r -> Double.toString(r.value());
            case Property.Int i -> Long.toString(i.value());
            case Property.Bool b -> b.value() ? "T" : "F";
            case Property.Text t -> quote(t.value());
            case Property.Reals r -> {
                StringBuilder sb = new StringBuilder();
                for (double v : r.values()) {
                    sb.append(sb.isEmpty() ? "" : " ").append(v);
                }
                yield quote(sb.toString());
            }
            case Property.Ints r -> {
                StringBuilder sb = new StringBuilder();
                for (long v : r.values()) {
                    sb.append(sb.isEmpty() ? "" : " ").append(v);
                }
                yield quote(sb.toString());
            }
            case Property.Bools r -> {
                StringBuilder sb = new StringBuilder();
                for (boolean v : r.values()) {
                    sb.append(sb.isEmpty() ? "" : " ").append(v ? 'T' : 'F');
                }
                yield quote(sb.toString());
            }
            case Property.Texts r -> quote(String.join(" ", r.values()));
        };
    }

    static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
