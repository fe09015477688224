package org.e3spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The {@code bin/e3spark} commands that README.md, docs/*.md and notebooks/README.md tell users to
 * type (in fenced {@code bash}/{@code sh} blocks and indented code blocks): each names a known
 * command, and every option it passes is one that command reads (taken from the command's source,
 * so a renamed option fails here); the cheap ones (graph of the sample, small tp) run in-process.
 */
class DocCommandsTest {

    static final Path ROOT = Path.of(System.getProperty("user.dir")).resolve("..").normalize();

    /** Where each verb reads its options: Options-based commands ({@code get*("name"}) or hand parsers. */
    static final Map<String, String> SOURCES = Map.of(
            "tp", "cli/src/main/java/org/e3spark/cli/TpCommand.java",
            "bench", "cli/src/main/java/org/e3spark/cli/BenchCommand.java",
            "conv-bench", "cli/src/main/java/org/e3spark/cli/ConvBenchCommand.java",
            "graph", "cli/src/main/java/org/e3spark/cli/GraphCommand.java",
            "graph-bench", "cli/src/main/java/org/e3spark/cli/GraphBenchCommand.java",
            "featurize", "spark-job/src/main/java/org/e3spark/spark/FeaturizeJob.java",
            "featurize-bench", "spark-job/src/main/java/org/e3spark/spark/FeaturizeBench.java");

    record DocCommand(String file, int line, List<String> words) {
        @Override
        public String toString() {
            return file + ":" + line + ": bin/e3spark " + String.join(" ", words);
        }
    }

    static List<Path> docs() throws IOException {
        List<Path> files = new ArrayList<>(List.of(ROOT.resolve("README.md"), ROOT.resolve("notebooks/README.md")));
        try (Stream<Path> s = Files.list(ROOT.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        return files;
    }

    /** Commands in fenced bash/sh blocks and in indented code blocks, with backslash continuations joined. */
    static List<DocCommand> commands() throws IOException {
        List<DocCommand> out = new ArrayList<>();
        for (Path f : docs()) {
            List<String> lines = Files.readAllLines(f);
            String fence = null;
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                String t = line.strip();
                if (t.startsWith("```")) {
                    fence = fence == null ? t.substring(3).strip() : null;
                    continue;
                }
                boolean shell = fence != null && Set.of("bash", "sh", "shell", "console").contains(fence);
                boolean indented = fence == null && line.startsWith("    ");
                if (!(shell || indented)) {
                    continue;
                }
                t = t.startsWith("$ ") ? t.substring(2) : t;
                if (!t.startsWith("bin/e3spark")) {
                    continue;
                }
                int start = i;
                StringBuilder cmd = new StringBuilder();
                while (t.endsWith("\\") && i + 1 < lines.size()) {
                    cmd.append(t, 0, t.length() - 1).append(' ');
                    t = lines.get(++i).strip();
                }
                cmd.append(t);
                List<String> words = split(cmd.toString());
                out.add(new DocCommand(ROOT.relativize(f).toString(), start + 1, words.subList(1, words.size())));
            }
        }
        return out;
    }

    /** Shell words: whitespace-separated, single and double quotes; anything fancier is refused. */
    static List<String> split(String s) {
        if (s.matches(".*[|;&<>`$()].*")) {
            fail("documented command is not a plain command line: " + s);
        }
        List<String> words = new ArrayList<>();
        Matcher m = Pattern.compile("\"([^\"]*)\"|'([^']*)'|(\\S+)").matcher(s);
        while (m.find()) {
            words.add(m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3));
        }
        return words;
    }

    /** The option names a command's source reads. */
    static Set<String> optionsOf(String verb) throws IOException {
        String src = Files.readString(ROOT.resolve(SOURCES.get(verb)));
        Set<String> names = new TreeSet<>();
        Matcher get = Pattern.compile("\\.get(?:Int|Double|List)?\\(\"([a-z0-9-]+)\"").matcher(src);
        while (get.find()) {
            names.add(get.group(1));
        }
        // the Spark jobs parse their own arguments: their option names are switch labels
        Matcher cases = Pattern.compile("case ([^>]+) ->").matcher(SOURCES.get(verb).startsWith("spark-job/") ? src : "");
        while (cases.find()) {
            Matcher q = Pattern.compile("\"(?:--)?([a-z0-9-]+)\"").matcher(cases.group(1));
            while (q.find()) {
                names.add(q.group(1));
            }
        }
        return names;
    }

    @Test
    void everyDocumentedCommandIsKnownWithOptionsItReads() throws IOException {
        List<DocCommand> cmds = commands();
        assertTrue(cmds.size() >= 4, "documented commands found: " + cmds);
        assertEquals(SOURCES.keySet(), Main.commandNames(), "a command without a source entry here");
        for (DocCommand c : cmds) {
            assertTrue(!c.words().isEmpty(), c.toString());
            String verb = c.words().get(0);
            if (verb.equals("test")) {
                continue; // the script runs mvn verify with the remaining arguments
            }
            assertTrue(Main.commandNames().contains(verb), c + ": unknown command '" + verb + "'");
            Set<String> known = optionsOf(verb);
            assertTrue(!known.isEmpty(), verb + ": no options found in " + SOURCES.get(verb));
            for (String w : c.words().subList(1, c.words().size())) {
                if (w.startsWith("--")) {
                    String name = w.substring(2).split("=", 2)[0];
                    assertTrue(known.contains(name), c + ": --" + name + " is not an option of " + verb + " " + known);
                }
            }
        }
    }

    @Test
    void theCheapDocumentedCommandsRun() throws IOException {
        int ran = 0;
        for (DocCommand c : commands()) {
            List<String> w = c.words();
            boolean cheap = w.get(0).equals("graph") && w.stream().noneMatch(a -> a.toLowerCase().contains("parquet"))
                    || w.get(0).equals("tp") && !w.contains("cuda") && !w.contains("auto");
            if (!cheap) {
                continue;
            }
            PrintStream oldOut = System.out;
            PrintStream oldErr = System.err;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code;
            try {
                System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
                System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
                code = Main.run(w.toArray(String[]::new));
            } finally {
                System.setOut(oldOut);
                System.setErr(oldErr);
            }
            assertEquals(0, code, c + " failed:\n" + err.toString(StandardCharsets.UTF_8));
            assertTrue(out.size() > 0, c + " printed nothing");
            ran++;
        }
        assertTrue(ran >= 1, "no cheap documented command ran");
    }
}
