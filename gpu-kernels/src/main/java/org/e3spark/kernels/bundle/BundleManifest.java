package org.e3spark.kernels.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.e3spark.kernels.internal.cache.KernelKey;

/**
 * The manifest of a kernel bundle ({@code META-INF/e3spark/kernels/bundle.manifest}): a UTF-8 text,
 * one record per line, fields separated by tabs, {@code %}, tab, CR, LF and 0x1F written as
 * {@code %XX}. Line by line:
 * <pre>
 *   e3spark-kernel-bundle  FORMAT          what this file is, and its format version
 *   key-scheme             SCHEME          how entry keys are derived ({@link KernelKey#SCHEME})
 *   e3spark                VERSION         the e3spark that built it (informational)
 *   input                  TEXT            what the bundle was built from, one line per inventory
 *   compiler               ARCH  IDENTITY  the compiler of every entry for ARCH, e.g. nvrtc-13.0
 *   entry                  ARCH  KEY  SHA256  SIZE  COMPILER  PROGRAM  OPTIONS  PURPOSE
 * </pre>
 * {@code OPTIONS} are joined with 0x1F. A manifest that does not start with the first line, or has
 * another format version or key scheme, is refused as a whole (a foreign or older bundle).
 */
public record BundleManifest(int format, String keyScheme, String e3sparkVersion, List<String> inputs,
                             Map<String, String> compilers, List<Entry> entries) {

    public static final String MAGIC = "e3spark-kernel-bundle";
    public static final int FORMAT = 1;
    private static final char OPTION_SEPARATOR = '\u001f';

    /** One compiled kernel: where it lives in the jar, its key and hash, and what it is. */
    public record Entry(String arch, KernelKey key, String sha256Hex, long size, String compiler, String programName,
                        List<String> options, String purpose) {
        public Entry {
            options = List.copyOf(options);
        }

        /** The jar entry holding the binary. */
        public String path() {
            return KernelBundle.DIR + arch + "/" + key.sha256Hex() + ".bin";
        }
    }

    public BundleManifest {
        inputs = List.copyOf(inputs);
        compilers = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(compilers));
        entries = List.copyOf(entries);
    }

    /** The e3spark version of the running code, from the jar's Maven metadata; "unknown" from class directories. */
    public static String runningE3sparkVersion() {
        try (InputStream in = BundleManifest.class.getResourceAsStream(
                "/META-INF/maven/org.e3spark/e3spark-gpu-kernels/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                return p.getProperty("version", "unknown");
            }
        } catch (IOException e) {
            // fall through
        }
        return "unknown";
    }

    public byte[] encode() {
        StringBuilder b = new StringBuilder();
        line(b, MAGIC, Integer.toString(format));
        line(b, "key-scheme", keyScheme);
        line(b, "e3spark", e3sparkVersion);
        for (String in : inputs) {
            line(b, "input", in);
        }
        compilers.forEach((arch, id) -> line(b, "compiler", arch, id));
        for (Entry e : entries) {
            line(b, "entry", e.arch(), e.key().sha256Hex(), e.sha256Hex(), Long.toString(e.size()), e.compiler(),
                    e.programName(), String.join(String.valueOf(OPTION_SEPARATOR), e.options()), e.purpose());
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Parses and checks a manifest.
     *
     * @throws BundleRefusedException naming what is wrong: not a bundle manifest, another format version or
     *     key scheme, a malformed line, an entry whose compiler is not its architecture's
     */
    public static BundleManifest decode(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        String[] lines = text.split("\n", -1);
        if (lines.length == 0 || !lines[0].startsWith(MAGIC + "\t")) {
            throw new BundleRefusedException("not an e3spark kernel bundle manifest (foreign format): first line '"
                    + abbreviate(lines.length == 0 ? "" : lines[0]) + "'");
        }
        int format;
        try {
            format = Integer.parseInt(lines[0].substring(MAGIC.length() + 1).strip());
        } catch (NumberFormatException e) {
            throw new BundleRefusedException("unreadable bundle format version in '" + abbreviate(lines[0]) + "'");
        }
        if (format != FORMAT) {
            throw new BundleRefusedException("bundle format " + format + (format < FORMAT ? " (older)" : " (newer)")
                    + ", this e3spark reads format " + FORMAT + " only: rebuild the bundle with bin/e3spark kernels bundle");
        }
        String scheme = null;
        String version = null;
        List<String> inputs = new ArrayList<>();
        Map<String, String> compilers = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].isEmpty()) {
                if (i == lines.length - 1) {
                    break;
                }
                throw new BundleRefusedException("manifest line " + (i + 1) + " is empty");
            }
            String[] f = lines[i].split("\t", -1);
            for (int k = 0; k < f.length; k++) {
                f[k] = unescape(f[k]);
            }
            switch (f[0]) {
                case "key-scheme" -> scheme = field(f, 2, i)[1];
                case "e3spark" -> version = field(f, 2, i)[1];
                case "input" -> inputs.add(field(f, 2, i)[1]);
                case "compiler" -> {
                    field(f, 3, i);
                    if (compilers.put(f[1], f[2]) != null) {
                        throw new BundleRefusedException("manifest names two compilers for " + f[1]);
                    }
                }
                case "entry" -> {
                    field(f, 9, i);
                    KernelKey key;
                    long size;
                    try {
                        key = new KernelKey(f[2]);
                        new KernelKey(f[3]); // the payload hash has the same shape
                        size = Long.parseLong(f[4]);
                    } catch (IllegalArgumentException e) {
                        throw new BundleRefusedException("manifest line " + (i + 1) + ": " + e.getMessage());
                    }
                    List<String> options = f[7].isEmpty() ? List.of()
                            : List.of(f[7].split(String.valueOf(OPTION_SEPARATOR), -1));
                    entries.add(new Entry(f[1], key, f[3], size, f[5], f[6], options, f[8]));
                }
                default -> throw new BundleRefusedException("manifest line " + (i + 1) + ": unknown record '"
                        + abbreviate(f[0]) + "'");
            }
        }
        if (!KernelKey.SCHEME.equals(scheme)) {
            throw new BundleRefusedException("bundle keys are derived by '" + scheme + "', this e3spark derives them by '"
                    + KernelKey.SCHEME + "': rebuild the bundle");
        }
        for (Entry e : entries) {
            String c = compilers.get(e.arch());
            if (c == null || !c.equals(e.compiler())) {
                throw new BundleRefusedException("entry " + e.key() + " for " + e.arch() + " was compiled by '" + e.compiler()
                        + "' but the manifest names '" + c + "' for " + e.arch());
            }
        }
        return new BundleManifest(format, scheme, version == null ? "unknown" : version, inputs, compilers, entries);
    }

    private static String[] field(String[] f, int n, int line) {
        if (f.length != n) {
            throw new BundleRefusedException("manifest line " + (line + 1) + ": '" + f[0] + "' has " + f.length
                    + " fields, expected " + n);
        }
        return f;
    }

    private static void line(StringBuilder b, String... fields) {
        for (int i = 0; i < fields.length; i++) {
            if (i > 0) {
                b.append('\t');
            }
            b.append(escape(fields[i]));
        }
        b.append('\n');
    }

    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '%' -> b.append("%25");
                case '\t' -> b.append("%09");
                case '\n' -> b.append("%0A");
                case '\r' -> b.append("%0D");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    static String unescape(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                try {
                    b.append((char) Integer.parseInt(s.substring(i + 1, i + 3), 16));
                    i += 2;
                    continue;
                } catch (NumberFormatException | IndexOutOfBoundsException e) {
                    throw new BundleRefusedException("bad escape in manifest field '" + abbreviate(s) + "'");
                }
            }
            b.append(c);
        }
        return b.toString();
    }

    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "..." : s;
    }
}
