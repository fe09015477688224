package org.e3spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every command line of the docs has a runner: a test or CI that runs it (or, for the GPU machine's
 * scripts, checks what can be checked without one). A command of a new kind, or one written inline in
 * prose where no runner reads it, fails here, so documentation cannot gain commands that nothing runs.
 * Which lines are commands is {@link DocText}'s rule, shared with the runners in this module.
 */
class DocCommandLinesTest {

    /** Who runs a kind of command line, and where it may appear. */
    record Runner(String name, Predicate<DocText.Command> matches, boolean inlineAllowed) {
    }

    static final List<Runner> RUNNERS = List.of(
            new Runner("CI (.ci/run runs bin/e3spark test; DocCommandsTest admits only a few Maven flags after it)",
                    c -> c.text().startsWith("bin/e3spark test"), true),
            new Runner("cli DocCommandsTest (a synopsis in prose: known command, options it reads)",
                    c -> c.program().equals("bin/e3spark") && c.where() == DocText.Where.INLINE, true),
            new Runner("cli DocCommandsTest (known command, options it reads; the cheap ones run)",
                    c -> c.program().equals("bin/e3spark"), false),
            new Runner("spark-job SparkSubmitDocIT (runs it on a local standalone cluster with GPU scheduling)",
                    c -> c.program().equals("spark-submit"), false),
            new Runner("model WeightsExportDocTest (runs the guide's python block where torch and e3nn import)",
                    c -> c.text().startsWith("python3 export_e3nn_weights.py "), false),
            new Runner("model WeightsExportDocTest (runs the script where torch and e3nn import; by hand on the GPU machine)",
                    c -> c.text().startsWith("bash docs/scripts/check-weights-export.sh"), false),
            new Runner("model MaceLoaderTest (the keys the export script writes are the loader's; the script itself runs "
                    + "where mace-torch is installed: by hand on the GPU machine, issue 15's check)",
                    c -> c.text().startsWith("python3 docs/scripts/export_mace.py "), false),
            new Runner("this test, jlinkRuntimeOfTheReadmeBuildsAndStarts (runs it with this JDK)",
                    c -> c.program().replace("\"", "").equals("$JDK25/bin/jlink"), false),
            new Runner("GPU machine, by hand (this test: the staging script exists and is executable)",
                    c -> c.program().startsWith("bin/stage-gpu-"), false),
            new Runner("GPU machine, by hand (this test: a staging script stages it; its source names every argument)",
                    c -> c.words().size() >= 2 && c.program().equals("bash") && c.words().get(1).startsWith(".gpu/"), false));

    static Runner runnerOf(DocText.Command c) {
        for (Runner r : RUNNERS) {
            if (r.matches().test(c)) {
                return r;
            }
        }
        return null;
    }

    @Test
    void everyDocumentedCommandHasARunner() throws IOException {
        List<DocText.Command> commands = DocText.commands();
        // an inline mention of a command that a code block also shows is run wherever that block's line is
        java.util.Set<String> inBlocks = new java.util.HashSet<>();
        commands.stream().filter(c -> c.where() != DocText.Where.INLINE).forEach(c -> inBlocks.add(c.text()));
        List<String> problems = new ArrayList<>();
        StringBuilder report = new StringBuilder();
        for (DocText.Command c : commands) {
            Runner r = runnerOf(c);
            if (r == null) {
                problems.add(c + "\n    no test or CI step runs this kind of command: make it a bin/e3spark command,"
                        + " or add a runner (a test that runs it) to " + getClass().getSimpleName());
            } else if (c.where() == DocText.Where.INLINE && !r.inlineAllowed() && !inBlocks.contains(c.text())) {
                problems.add(c + "\n    written inline in prose, where its runner does not read it: put it on its own"
                        + " line in a ```bash block (or show it in one, and mention it inline as well)");
            } else {
                report.append(c).append("\n    -> ").append(r.name()).append('\n');
            }
        }
        System.out.println("documented commands and their runners:\n" + report);
        assertTrue(problems.isEmpty(), "documented commands without a runner:\n" + String.join("\n", problems));
        assertTrue(commands.stream().anyMatch(c -> c.program().equals("spark-submit")), "no spark-submit line found");
    }

    /** The rule itself: what counts as a command, in which blocks. */
    @Test
    void docTextFindsCommandsInShellBlocksIndentedBlocksAndInlineSpans() {
        List<String> md = List.of(
                "Text with `mvn -q package` inline and `nvidia-smi` alone.",
                "",
                "```bash",
                "# a comment",
                "$ bin/e3spark graph --cutoff 3 \\",
                "    @sample",
                "```",
                "",
                "    bin/e3spark test",
                "    e3spark featurize: output, not a command",
                "",
                "```java",
                "java.util.List.of(1);",
                "```",
                "A span broken `spark-submit --class X",
                "a.jar` across lines.");
        List<DocText.Command> c = DocText.commands("x.md", md);
        assertEquals(List.of("mvn -q package", "bin/e3spark graph --cutoff 3 @sample", "bin/e3spark test",
                "spark-submit --class X a.jar"), c.stream().map(DocText.Command::text).toList());
        assertEquals(List.of(1, 5, 9, 15), c.stream().map(DocText.Command::line).toList());
        assertEquals(List.of(DocText.Where.INLINE, DocText.Where.SHELL_BLOCK, DocText.Where.CODE_BLOCK, DocText.Where.INLINE),
                c.stream().map(DocText.Command::where).toList());
    }

    /** The jlink line of the README, with this JDK as $JDK25 and a temporary output: the runtime it makes starts. */
    @Test
    void jlinkRuntimeOfTheReadmeBuildsAndStarts(@TempDir Path tmp) throws Exception {
        List<DocText.Command> jlinks = DocText.commands().stream()
                .filter(c -> c.program().replace("\"", "").equals("$JDK25/bin/jlink")).toList();
        assertTrue(!jlinks.isEmpty(), "no jlink line in the docs");
        for (DocText.Command c : jlinks) {
            List<String> cmd = new ArrayList<>(c.words());
            cmd.set(0, Path.of(System.getProperty("java.home"), "bin", "jlink").toString());
            int out = cmd.indexOf("--output");
            assertTrue(out > 0 && out + 1 < cmd.size(), c + ": no --output");
            Path runtime = tmp.resolve("jre");
            cmd.set(out + 1, runtime.toString());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0, c + " failed:\n" + log);
            Process v = new ProcessBuilder(runtime.resolve("bin/java").toString(), "--list-modules").redirectErrorStream(true).start();
            String modules = new String(v.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(v.waitFor(60, TimeUnit.SECONDS) && v.exitValue() == 0, "the jlinked java does not start:\n" + modules);
            // what the staged GPU runs need: FFM/JCuda natives (java.base), JUnit's launcher (java.logging, java.management)
            for (String m : List.of("java.base", "java.logging", "jdk.unsupported", "java.management")) {
                assertTrue(modules.lines().anyMatch(l -> l.startsWith(m + "@")), m + " missing from the runtime:\n" + modules);
            }
        }
    }

    /**
     * The GPU machine's scripts cannot run here; what can rot is checked: a staging script exists, and a
     * staged script ({@code bash .gpu/DIR/NAME.sh WORDS}) has one tracked source that a bin/stage-gpu-*
     * script copies, in which each word (a mode) appears.
     */
    @Test
    void gpuMachineLinesNameStagedScriptsAndModesTheyHandle() throws IOException {
        List<Path> stagers;
        try (Stream<Path> s = Files.list(DocText.ROOT.resolve("bin"))) {
            stagers = s.filter(p -> p.getFileName().toString().startsWith("stage-gpu-")).sorted().toList();
        }
        for (DocText.Command c : DocText.commands()) {
            if (c.program().startsWith("bin/stage-gpu-")) {
                Path script = DocText.ROOT.resolve(c.program());
                assertTrue(Files.isExecutable(script), c + ": " + script + " is not there or not executable");
            } else if (c.program().equals("bash") && c.words().size() >= 2 && c.words().get(1).startsWith(".gpu/")) {
                String name = Path.of(c.words().get(1)).getFileName().toString();
                List<Path> sources;
                try (Stream<Path> s = Files.walk(DocText.ROOT)) {
                    sources = s.filter(p -> p.getFileName().toString().equals(name))
                            .filter(p -> Stream.of(".gpu", "target", ".git").noneMatch(d -> DocText.ROOT.relativize(p).startsWith(d)))
                            .toList();
                }
                assertEquals(1, sources.size(), c + ": tracked sources named " + name + ": " + sources);
                String source = DocText.ROOT.relativize(sources.get(0)).toString();
                boolean staged = false;
                for (Path st : stagers) {
                    staged |= Files.readString(st).contains(source);
                }
                assertTrue(staged, c + ": no bin/stage-gpu-* script copies " + source);
                String text = Files.readString(sources.get(0));
                for (String word : c.words().subList(2, c.words().size())) {
                    if (word.matches("[a-z][a-z0-9-]*")) {
                        assertTrue(Pattern.compile("\\b" + Pattern.quote(word) + "\\b").matcher(text).find(),
                                c + ": " + source + " knows no '" + word + "'");
                    }
                }
            }
        }
    }

    /** A ```json block that shows a featurizer config is that config file, so the two cannot drift apart. */
    @Test
    void jsonConfigBlocksAreTheBundledConfigs() throws IOException {
        ObjectMapper json = new ObjectMapper();
        int seen = 0;
        for (Path f : DocText.files()) {
            List<String> lines = Files.readAllLines(f);
            for (int i = 0; i < lines.size(); i++) {
                if (!lines.get(i).strip().equals("```json")) {
                    continue;
                }
                StringBuilder block = new StringBuilder();
                int start = i + 1;
                while (!lines.get(++i).strip().equals("```")) {
                    block.append(lines.get(i)).append('\n');
                }
                JsonNode shown = json.readTree(block.toString());
                String name = shown.path("name").asText("");
                if (!name.startsWith("featurizer-")) {
                    continue;
                }
                JsonNode file = json.readTree(DocText.ROOT.resolve("conf/" + name + ".json").toFile());
                assertEquals(file, shown, DocText.ROOT.relativize(f) + ":" + start + " shows " + name
                        + " differently from conf/" + name + ".json");
                seen++;
            }
        }
        assertTrue(seen >= 1, "no featurizer config shown in the docs");
    }
}
