package org.e3spark.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import scala.jdk.javaapi.CollectionConverters;
import scala.tools.nsc.Global;
import scala.tools.nsc.Settings;
import scala.tools.nsc.reporters.StoreReporter;

/**
 * Zeppelin notes ({@code .zpln}) without Zeppelin, for {@link ZeppelinNotesTest} and for running a
 * note headless where there is no Zeppelin (the GPU machine): a note's {@code %spark} and
 * {@code %spark.sql} paragraphs become one Scala method, in paragraph order, so a paragraph sees the
 * values of the ones before it as in Zeppelin's REPL; the Scala 2.13 compiler compiles it with a
 * stand-in for Zeppelin's {@code z}; the method runs on a {@link SparkSession} and its output is
 * split back into paragraphs. {@link #main} runs one note in local mode, applying its
 * {@code %spark.conf} paragraph the way the note tells local-mode users to.
 */
final class ZeppelinNotes {

    /** Zeppelin's interpreter pattern (Paragraph.java). */
    static final Pattern INTERPRETER = Pattern.compile("^(\\s*)%([a-zA-Z0-9_\\-]+(?:\\.\\w+)*)");
    /** Printed on a line of its own before each paragraph's output (a control character no note prints). */
    static final char MARK = '\u001e';
    static final String PACKAGE = "zeppelin.notes";

    private ZeppelinNotes() {
    }

    static String interpreter(String text) {
        Matcher m = INTERPRETER.matcher(text);
        return m.find() ? m.group(2) : null;
    }

    static String body(String text) {
        Matcher m = INTERPRETER.matcher(text);
        return m.find() ? text.substring(m.end()) : text;
    }

    static List<JsonNode> paragraphs(JsonNode note) {
        List<JsonNode> ps = new ArrayList<>();
        note.get("paragraphs").forEach(ps::add);
        return ps;
    }

    static List<String> textsOf(JsonNode note, String interp) {
        return paragraphs(note).stream().map(p -> p.get("text").asText())
                .filter(t -> interp.equals(interpreter(t))).map(ZeppelinNotes::body).toList();
    }

    static String className(String file) {
        return "Note_" + file.replaceAll("\\.zpln$", "").replaceAll("[^A-Za-z0-9]", "_");
    }

    static JsonNode read(Path file) {
        try {
            JsonNode note = new ObjectMapper().readTree(file.toFile());
            if (note == null || !note.path("paragraphs").isArray()) {
                throw new IllegalArgumentException(file + " is not a Zeppelin note (no \"paragraphs\" array)");
            }
            return note;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the note " + file, e);
        }
    }

    /** Every {@code .zpln} in a directory, by file name. */
    static Map<String, JsonNode> readAll(Path dir) throws IOException {
        Map<String, JsonNode> notes = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".zpln")).sorted().toList()) {
                notes.put(f.getFileName().toString(), read(f));
            }
        }
        return notes;
    }

    /** Writes the stand-in for Zeppelin's {@code z} (show, put, get) into {@code dir}. */
    static Path writeStandIn(Path dir) throws IOException {
        return Files.writeString(dir.resolve("ZStandIn.scala"), """
                package zeppelin.notes
                class ZStandIn {
                  val values = scala.collection.mutable.Map[String, Any]()
                  def show(obj: Any): Unit = show(obj, 1000)
                  def show(obj: Any, maxResult: Int): Unit = obj match {
                    case d: org.apache.spark.sql.Dataset[_] => d.show(maxResult, false)
                    case o => println(o)
                  }
                  def put(name: String, value: Any): Unit = values(name) = value
                  def get(name: String): Any = values(name)
                }
                """);
    }

    /**
     * Writes a note as {@code object Note_<name> { def run(spark, z, out) }}: each {@code %spark}
     * paragraph's code, and each {@code %spark.sql} paragraph as {@code z.show(spark.sql(...))}, after
     * a marker line (printed) and a {@code // ---- paragraph} comment (for compile errors).
     */
    static Path writeNoteSource(Path dir, String file, JsonNode note) throws IOException {
        StringBuilder s = new StringBuilder("package " + PACKAGE + "\nobject ").append(className(file))
                .append(" {\n  def run(spark: org.apache.spark.sql.SparkSession, z: ZStandIn, out: java.io.PrintStream)")
                .append(": Unit = Console.withOut(out) {\n");
        int k = 0;
        for (JsonNode p : paragraphs(note)) {
            String text = p.get("text").asText();
            String interp = interpreter(text);
            if ("spark".equals(interp) || "spark.sql".equals(interp)) {
                String id = p.get("id").asText();
                s.append("// ---- paragraph ").append(k).append(' ').append(id).append('\n')
                        .append("println(").append(scalaString(MARK + id)).append(")\n")
                        .append("spark".equals(interp) ? body(text) : "z.show(spark.sql(" + scalaString(body(text).strip()) + "))")
                        .append('\n');
            }
            k++;
        }
        s.append("    ()\n  }\n}\n");
        return Files.writeString(dir.resolve(className(file) + ".scala"), s);
    }

    /** A Scala string literal (no interpolation) holding {@code v}. */
    static String scalaString(String v) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : v.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /**
     * One Scala compiler run over {@code sources} into {@code classes}; returns the errors, each with
     * its file, line and the paragraph it is in (the nearest {@code // ---- paragraph} comment above).
     */
    static List<String> compile(List<Path> sources, Path classes, String classpath) {
        Settings settings = new Settings();
        settings.classpath().value_$eq(classpath);
        settings.outdir().value_$eq(classes.toString());
        settings.nowarn().value_$eq(Boolean.TRUE);
        StoreReporter reporter = new StoreReporter(settings);
        Global global = new Global(settings, reporter);
        Global.Run run = global.new Run();
        run.compile(CollectionConverters.asScala(sources.stream().map(Path::toString).toList()).toList());
        List<String> errors = new ArrayList<>();
        for (StoreReporter.Info i : CollectionConverters.asJava(reporter.infos())) {
            if (i.severity().toString().equals("ERROR")) {
                String where = "";
                if (i.pos().isDefined()) {
                    String paragraph = "";
                    for (int l = i.pos().line() - 1; l >= 1; l--) {
                        String text = new String(i.pos().source().lineToString(l - 1));
                        if (text.startsWith("// ---- paragraph ")) {
                            paragraph = " (" + text.substring(8) + ")";
                            break;
                        }
                    }
                    where = i.pos().source().file().name() + ":" + i.pos().line() + paragraph + ": "
                            + i.pos().lineContent().strip();
                }
                errors.add(where + "\n  " + i.msg());
            }
        }
        return errors;
    }

    /**
     * Runs a compiled note on {@code spark}, its output going to {@code out} as it is printed. An
     * exception of the note's code is rethrown as is.
     */
    static void run(Path classes, String file, SparkSession spark, PrintStream out) throws Exception {
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                ZeppelinNotes.class.getClassLoader())) {
            t.setContextClassLoader(loader);
            Class<?> z = loader.loadClass(PACKAGE + ".ZStandIn");
            Method run = loader.loadClass(PACKAGE + "." + className(file))
                    .getMethod("run", SparkSession.class, z, PrintStream.class);
            run.invoke(null, spark, z.getConstructor().newInstance(), out);
        } catch (InvocationTargetException e) {
            throw e.getCause() instanceof Exception ex ? ex : new RuntimeException(e.getCause());
        } finally {
            t.setContextClassLoader(before);
        }
    }

    /** The output without the paragraph markers. */
    static String withoutMarks(String printed) {
        return printed.lines().filter(l -> l.isEmpty() || l.charAt(0) != MARK)
                .reduce(new StringBuilder(), (b, l) -> b.append(l).append('\n'), StringBuilder::append).toString();
    }

    /** The first {@code %spark.conf} paragraph as key → value ({@code key value} lines, # comments). */
    static Map<String, String> sparkConf(JsonNode note) {
        Map<String, String> conf = new LinkedHashMap<>();
        List<String> texts = textsOf(note, "spark.conf");
        if (texts.isEmpty()) {
            return conf;
        }
        for (String line : texts.getFirst().split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] kv = l.split("\\s+", 2);
            conf.put(kv[0], kv.length > 1 ? kv[1].strip() : "");
        }
        return conf;
    }

    /**
     * Runs one note in local mode and prints each paragraph's output:
     * {@code ZeppelinNotes NOTE.zpln [--master local[*]] [--gpu-device N] [--conf spark.KEY=VALUE]...}.
     * The note's {@code %spark.conf} settings apply except Zeppelin's own keys, {@code spark.jars} (the
     * classpath has the jars) and, in local mode, the GPU resource lines (local mode schedules no GPUs and
     * a task GPU amount hangs it); {@code --gpu-device} sets {@code spark.e3spark.gpu.device} instead.
     * Exit status 0 when every paragraph ran, 1 when one failed (named), 2 on a usage or compile error.
     */
    public static void main(String[] argv) throws IOException {
        System.exit(runMain(argv, System.out));
    }

    static int runMain(String[] argv, PrintStream out) throws IOException {
        String file = null;
        String master = "local[*]";
        Integer gpuDevice = null;
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (a.startsWith("--") && i + 1 >= argv.length) {
                System.err.println("notes: " + a + " needs a value");
                return 2;
            }
            switch (a) {
                case "--master" -> master = argv[++i];
                case "--gpu-device" -> gpuDevice = Integer.parseInt(argv[++i]);
                case "--conf" -> {
                    String kv = argv[++i];
                    int eq = kv.indexOf('=');
                    if (eq <= 0) {
                        System.err.println("notes: --conf takes KEY=VALUE, got '" + kv + "'");
                        return 2;
                    }
                    overrides.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
                default -> {
                    if (a.startsWith("--") || file != null) {
                        System.err.println("notes: unexpected argument '" + a
                                + "'; usage: NOTE.zpln [--master M] [--gpu-device N] [--conf K=V]...");
                        return 2;
                    }
                    file = a;
                }
            }
        }
        if (file == null) {
            System.err.println("notes: which note? usage: NOTE.zpln [--master M] [--gpu-device N] [--conf K=V]...");
            return 2;
        }
        Path path = Path.of(file);
        JsonNode note = read(path);
        String name = path.getFileName().toString();
        boolean local = master.startsWith("local[") || master.equals("local");

        Map<String, String> conf = new LinkedHashMap<>();
        List<String> dropped = new ArrayList<>();
        sparkConf(note).forEach((k, v) -> {
            boolean resource = k.startsWith("spark.executor.resource.") || k.startsWith("spark.task.resource.")
                    || k.startsWith("spark.worker.resource.");
            if (k.startsWith("zeppelin.") || k.equals("spark.jars") || !k.startsWith("spark.") || (local && resource)) {
                dropped.add(k);
            } else {
                conf.put(k, v);
            }
        });
        if (gpuDevice != null) {
            conf.put(E3SparkConf.GPU_DEVICE.key(), gpuDevice.toString());
        }
        conf.putAll(overrides);
        out.printf("note %s (%s) on %s%n", name, note.path("name").asText(""), master);
        out.println("  %spark.conf applied: " + conf);
        out.println("  %spark.conf not applied: " + dropped
                + (local ? " (Zeppelin's own, spark.jars: the jars are on the classpath; GPU resources: local mode)" : ""));

        Path classes = Files.createTempDirectory("zeppelin-note");
        try {
            List<String> errors = compile(List.of(writeStandIn(classes), writeNoteSource(classes, name, note)), classes,
                    System.getProperty("java.class.path"));
            if (!errors.isEmpty()) {
                System.err.println("notes: " + name + " does not compile:\n" + String.join("\n", errors));
                return 2;
            }
            SparkSession.Builder b = SparkSession.builder().master(master).appName("zeppelin note " + name);
            conf.forEach(b::config);
            SparkSession spark = b.getOrCreate();
            Map<String, String> titles = new LinkedHashMap<>();
            paragraphs(note).forEach(p -> titles.put(p.get("id").asText(), p.path("title").asText("")));
            ParagraphHeaders lines = new ParagraphHeaders(out, titles);
            int rc = 0;
            long t0 = System.nanoTime();
            try (PrintStream noteOut = new PrintStream(lines, true, StandardCharsets.UTF_8)) {
                run(classes, name, spark, noteOut);
            } catch (Exception e) {
                String at = lines.current == null ? "before its first paragraph"
                        : "in paragraph " + lines.current + " \"" + titles.get(lines.current) + "\"";
                System.err.println("notes: " + name + " failed " + at + ": " + e);
                e.printStackTrace(System.err);
                rc = 1;
            } finally {
                spark.stop();
            }
            out.printf("==== %s %s in %.1f s%n", name, rc == 0 ? "ran every paragraph" : "FAILED",
                    (System.nanoTime() - t0) / 1e9);
            return rc;
        } finally {
            deleteTree(classes);
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Passes a note's output on line by line, printing each paragraph marker as a header with the title. */
    private static final class ParagraphHeaders extends java.io.OutputStream {
        private final PrintStream out;
        private final Map<String, String> titles;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();
        private volatile String current;

        ParagraphHeaders(PrintStream out, Map<String, String> titles) {
            this.out = out;
            this.titles = titles;
        }

        @Override
        public synchronized void write(int c) {
            if (c != '\n') {
                line.write(c);
                return;
            }
            String l = line.toString(StandardCharsets.UTF_8);
            line.reset();
            if (!l.isEmpty() && l.charAt(0) == MARK) {
                current = l.substring(1);
                out.printf("%n---- paragraph %s \"%s\"%n", current, titles.getOrDefault(current, ""));
            } else {
                out.println(l);
            }
        }

        @Override
        public synchronized void flush() {
            if (line.size() > 0) {
                out.print(line.toString(StandardCharsets.UTF_8));
                line.reset();
            }
            out.flush();
        }
    }
}
