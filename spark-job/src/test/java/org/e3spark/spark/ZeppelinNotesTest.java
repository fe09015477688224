package org.e3spark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The Zeppelin notes in {@code notebooks/} as CI sees them: Zeppelin's note structure (Zeppelin's
 * own parser is not on Maven Central), every {@code %spark} paragraph compiled by the Scala 2.13
 * compiler against the current API (one compiler run for all notes, each note's paragraphs in order
 * inside one method with {@code spark} and a {@code z} stand-in; see {@link ZeppelinNotes}), and the
 * quickstart, kernels and MACE notes run on a local[2] session with their printed numbers checked. The
 * {@code scala} snippets of README.md and docs/*.md are compiled in the same run.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ZeppelinNotesTest {

    /** The interpreters these notes may use. */
    static final Set<String> KNOWN = Set.of("spark", "spark.sql", "spark.pyspark", "spark.conf", "md", "sh", "java");
    static final List<String> NOTE_KEYS = List.of("paragraphs", "name", "id", "defaultInterpreterGroup", "version",
            "noteParams", "noteForms", "angularObjects", "config", "info");
    static final List<String> PARAGRAPH_KEYS = List.of("title", "text", "id", "config", "settings", "results",
            "status", "dateCreated", "dateUpdated");
    static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");
    static final String JAR = "spark-job/target/e3spark-spark-job-0.1.0-SNAPSHOT-shaded.jar";

    final Map<String, JsonNode> notes = new LinkedHashMap<>();
    SparkSession spark;
    Path classes;
    List<String> compileErrors = new ArrayList<>();
    int docSnippets;

    @BeforeAll
    void loadAndCompile() throws IOException {
        Path dir = Path.of(System.getProperty("user.dir")).resolve("../notebooks").normalize();
        notes.putAll(ZeppelinNotes.readAll(dir));
        assertEquals(4, notes.size(), "notes in " + dir);
        classes = Files.createTempDirectory("zeppelin-notes");
        compile();
    }

    @AfterAll
    void stop() throws IOException {
        if (spark != null) {
            spark.stop();
        }
        ZeppelinNotes.deleteTree(classes);
    }

    static String interpreter(String text) {
        return ZeppelinNotes.interpreter(text);
    }

    static List<JsonNode> paragraphs(JsonNode note) {
        return ZeppelinNotes.paragraphs(note);
    }

    static List<String> textsOf(JsonNode note, String interp) {
        return ZeppelinNotes.textsOf(note, interp);
    }

    @Test
    void everyNoteHasZeppelinsStructure() {
        Set<String> ids = new HashSet<>();
        Set<String> noteIds = new HashSet<>();
        for (var e : notes.entrySet()) {
            String f = e.getKey();
            JsonNode note = e.getValue();
            for (String k : NOTE_KEYS) {
                assertTrue(note.has(k), f + ": no top-level " + k);
            }
            assertTrue(note.get("paragraphs").isArray() && !note.get("paragraphs").isEmpty(), f + ": paragraphs");
            assertTrue(noteIds.add(note.get("id").asText()), f + ": note id repeated");
            assertEquals("spark", note.get("defaultInterpreterGroup").asText(), f);
            List<String> interps = new ArrayList<>();
            for (JsonNode p : paragraphs(note)) {
                for (String k : PARAGRAPH_KEYS) {
                    assertTrue(p.has(k), f + ": paragraph without " + k + ": " + p);
                }
                String id = p.get("id").asText();
                assertTrue(id.startsWith("paragraph_") && ids.add(id), f + ": paragraph id not unique: " + id);
                for (String d : List.of("dateCreated", "dateUpdated")) {
                    try {
                        LocalDateTime.parse(p.get(d).asText(), DATE);
                    } catch (DateTimeParseException ex) {
                        fail(f + " " + id + ": " + d + " is not yyyy-MM-dd HH:mm:ss.SSS: " + p.get(d));
                    }
                }
                JsonNode cfg = p.get("config");
                assertTrue(cfg.has("editorMode") && cfg.has("colWidth"), f + " " + id + ": config " + cfg);
                assertTrue(p.get("settings").has("params") && p.get("settings").has("forms"), f + " " + id);
                String interp = interpreter(p.get("text").asText());
                assertTrue(interp != null && KNOWN.contains(interp), f + " " + id + ": interpreter " + interp);
                interps.add(interp);
            }
            // the jar before the interpreter starts: the first non-markdown paragraph is %spark.conf
            String first = interps.stream().filter(i -> !i.equals("md")).findFirst().orElseThrow();
            assertEquals("spark.conf", first, f + ": the first code paragraph must be %spark.conf");
            String conf = textsOf(note, "spark.conf").get(0);
            assertTrue(conf.contains("\nspark.jars ") && conf.contains(JAR), f + ": spark.jars " + JAR);
            assertTrue(conf.contains("zeppelin.spark.enableSupportedVersionCheck false"), f);
            assertTrue(textsOf(note, "md").stream().anyMatch(t -> t.contains("Spark 4.2")
                    && t.contains("zeppelin.spark.enableSupportedVersionCheck")), f + ": how to run with Spark 4.2");
            assertTrue(interps.contains("spark"), f + ": no %spark paragraph");
        }
        JsonNode quick = notes.get("1-quickstart.zpln");
        JsonNode chart = paragraphs(quick).stream().filter(p -> "spark.sql".equals(interpreter(p.get("text").asText())))
                .findFirst().orElseThrow().get("config").path("results").path("0").path("graph");
        assertEquals("multiBarChart", chart.path("mode").asText(), "quickstart's %spark.sql chart");
        assertFalse(chart.path("keys").isEmpty() || chart.path("values").isEmpty(), "chart keys and values");
    }

    /** One compiler run: a stand-in for Zeppelin's {@code z}, one object per note, one per doc file's snippets. */
    void compile() throws IOException {
        List<Path> sources = new ArrayList<>();
        sources.add(ZeppelinNotes.writeStandIn(classes));
        for (var e : notes.entrySet()) {
            sources.add(ZeppelinNotes.writeNoteSource(classes, e.getKey(), e.getValue()));
        }
        // the ```scala snippets of the README and docs/*.md, each a method of one object per file
        Path root = Path.of(System.getProperty("user.dir")).resolve("..").normalize();
        List<Path> docs = new ArrayList<>(List.of(root.resolve("README.md")));
        try (Stream<Path> files = Files.list(root.resolve("docs"))) {
            files.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        for (Path doc : docs) {
            List<String> lines = Files.readAllLines(doc);
            StringBuilder s = new StringBuilder("package zeppelin.notes\nobject ")
                    .append(ZeppelinNotes.className("Docs_" + doc.getFileName()))
                    .append(" {\n");
            int snippets = 0;
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).strip().equals("```scala")) {
                    s.append("  def snippet").append(snippets++).append("(spark: org.apache.spark.sql.SparkSession, z: ZStandIn): Unit = {\n")
                            .append("// ---- paragraph ").append(doc.getFileName()).append(" line ").append(i + 1).append('\n');
                    while (!lines.get(++i).strip().equals("```")) {
                        s.append(lines.get(i)).append('\n');
                    }
                    s.append("    ()\n  }\n");
                }
            }
            docSnippets += snippets;
            Path src = classes.resolve(ZeppelinNotes.className("Docs_" + doc.getFileName()) + ".scala");
            Files.writeString(src, s.append("}\n"));
            sources.add(src);
        }
        compileErrors.addAll(ZeppelinNotes.compile(sources, classes,
                System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))));
    }

    @Test
    void everySparkParagraphAndDocSnippetCompilesAgainstTheCurrentApi() {
        assertTrue(compileErrors.isEmpty(), "Scala compile errors in the notes:\n" + String.join("\n", compileErrors));
        assertTrue(docSnippets >= 1, "no ```scala snippet found in README.md and docs/*.md");
    }

    private String runNote(String file) throws Exception {
        assertTrue(compileErrors.isEmpty(), "notes do not compile: " + compileErrors);
        if (spark == null) {
            spark = SparkSession.builder().master("local[2]").appName("zeppelin-notes")
                    .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
        }
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            ZeppelinNotes.run(classes, file, spark, out);
        }
        String out = ZeppelinNotes.withoutMarks(captured.toString(StandardCharsets.UTF_8));
        System.out.println("---- " + file + "\n" + out);
        return out;
    }

    @Test
    void quickstartRunsInLocalModeAndPrintsTheSampleNumbers() throws Exception {
        String out = runNote("1-quickstart.zpln");
        for (String line : List.of("structures: 9", "atoms: 386", "featurized structures: 9", "atom feature width: 28",
                "structure feature width: 56")) {
            assertTrue(out.lines().anyMatch(line::equals), "quickstart printed no line '" + line + "':\n" + out);
        }
        assertTrue(out.contains("metrics: structures=9 atoms=386 "), out);
        // its %spark.sql paragraphs on the view the Scala paragraphs left behind
        List<String> sql = textsOf(notes.get("1-quickstart.zpln"), "spark.sql");
        assertEquals(1, sql.size());
        List<Row> rows = spark.sql(sql.get(0)).collectAsList();
        assertEquals(9, rows.stream().mapToLong(r -> r.getLong(1)).sum());
        assertEquals(386, rows.stream().mapToLong(r -> r.getLong(2)).sum());
        assertTrue(rows.stream().allMatch(r -> r.getDouble(3) > 0), rows.toString());
    }

    @Test
    void kernelsNoteRunsAndItsHandValuesHold() throws Exception {
        String out = runNote("3-kernels.zpln");
        assertFalse(out.contains("MISMATCH"), out);
        assertEquals(4, out.lines().filter(l -> l.endsWith(": ok")).count(), out);
    }

    @Test
    void maceNoteRunsTheShippedSampleModel() throws Exception {
        String home = System.setProperty("e3spark.home", Path.of(System.getProperty("user.dir")).resolve("..").normalize().toString());
        try {
            String out = runNote("mace-descriptors.zpln");
            assertTrue(out.lines().anyMatch("MACE rows: 9, rejected: 0"::equals), out);
            assertTrue(out.lines().anyMatch("descriptor width: 32"::equals), out);
        } finally {
            if (home == null) {
                System.clearProperty("e3spark.home");
            } else {
                System.setProperty("e3spark.home", home);
            }
        }
    }
}
