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
import org.junit.jupiter.api.Test;

/**
 * The {@code bin/e3spark} commands that the docs ({@link DocText#files()}) tell users to type (in
 * fenced shell blocks and indented code blocks, as {@link DocText} finds them): each names a known
 * command, and every option it passes is one that command reads (taken from the command's source,
 * so a renamed option fails here); the cheap ones (graph of the sample, small tp) run in-process.
 * {@code bin/e3spark test} is CI's command and may only add a few Maven flags. Inline synopses in
 * prose ({@code bin/e3spark tp --problem NAME ...}) are held to the same commands and options.
 */
class DocCommandsTest {

    static final Path ROOT = DocText.ROOT;

    /** Where each verb reads its options: Options-based commands ({@code get*("name"}) or hand parsers. */
    static final Map<String, String> SOURCES = Map.of(
            "tp", "cli/src/main/java/org/e3spark/cli/TpCommand.java",
            "bench", "cli/src/main/java/org/e3spark/cli/BenchCommand.java",
            "conv-bench", "cli/src/main/java/org/e3spark/cli/ConvBenchCommand.java",
            "sc-bench", "cli/src/main/java/org/e3spark/cli/ScBenchCommand.java",
            "graph", "cli/src/main/java/org/e3spark/cli/GraphCommand.java",
            "graph-bench", "cli/src/main/java/org/e3spark/cli/GraphBenchCommand.java",
            "featurize", "spark-job/src/main/java/org/e3spark/spark/FeaturizeJob.java",
            "featurize-bench", "cli/src/main/java/org/e3spark/cli/FeaturizeBench.java",
            "kernels", "cli/src/main/java/org/e3spark/cli/KernelsCommand.java");

    record DocCommand(String file, int line, List<String> words) {
        @Override
        public String toString() {
            return file + ":" + line + ": bin/e3spark " + String.join(" ", words);
        }
    }

    /** The bin/e3spark commands of code blocks. */
    static List<DocCommand> commands() throws IOException {
        List<DocCommand> out = new ArrayList<>();
        for (DocText.Command c : DocText.commands()) {
            if (c.program().equals("bin/e3spark") && c.where() != DocText.Where.INLINE) {
                List<String> words = split(c.text());
                out.add(new DocCommand(c.file(), c.line(), words.subList(1, words.size())));
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
        Matcher cases = Pattern.compile("case ([^>]+) ->").matcher(verb.startsWith("featurize") ? src : "");
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
                checkTestArguments(c);
                continue;
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

    /**
     * bin/e3spark test is CI's command (.ci/run): mvn verify with the arguments passed on. The docs may
     * add only these Maven flags: skip the tests, offline, quiet, a module list and what it needs.
     */
    static void checkTestArguments(DocCommand c) throws IOException {
        assertTrue(Files.readString(ROOT.resolve(".ci/run")).contains("exec bin/e3spark test"),
                ".ci/run no longer runs bin/e3spark test");
        Set<String> modules = Set.of("gpu-kernels", "arrow-bridge", "model", "spark-job", "cli");
        List<String> a = c.words().subList(1, c.words().size());
        for (int i = 0; i < a.size(); i++) {
            String w = a.get(i);
            if (w.equals("-pl")) {
                assertTrue(i + 1 < a.size() && modules.containsAll(List.of(a.get(++i).split(","))), c + ": -pl MODULE");
            } else {
                assertTrue(Set.of("-DskipTests", "-o", "-q", "-am").contains(w),
                        c + ": " + w + " is not one of the Maven flags the docs may add to CI's command");
            }
        }
    }

    @Test
    void everyInlineSynopsisNamesAKnownCommandAndOptionsItReads() throws IOException {
        int seen = 0;
        for (DocText.Command c : DocText.commands()) {
            if (!c.program().equals("bin/e3spark") || c.where() != DocText.Where.INLINE) {
                continue;
            }
            String verb = c.words().get(1);
            if (verb.equals("test")) {
                checkTestArguments(new DocCommand(c.file(), c.line(), c.words().subList(1, c.words().size())));
                continue;
            }
            assertTrue(Main.commandNames().contains(verb), c + ": unknown command '" + verb + "'");
            Set<String> known = optionsOf(verb);
            Matcher m = Pattern.compile("--([a-z0-9-]+)").matcher(c.text());
            while (m.find()) {
                assertTrue(known.contains(m.group(1)), c + ": --" + m.group(1) + " is not an option of " + verb + " " + known);
            }
            seen++;
        }
        assertTrue(seen >= 3, "inline bin/e3spark synopses found: " + seen);
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
