package org.e3spark.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The command lines the documentation shows, found the same way for every test that checks or runs
 * them: lines of fenced shell blocks ({@code bash}, {@code sh}, {@code shell}, {@code console}),
 * command-looking lines of indented and untagged code blocks (output is not a command), and
 * command-looking inline code spans of prose. Backslash continuations are joined, a leading
 * {@code $ } prompt dropped, {@code #} comments skipped.
 */
final class DocText {

    static final Path ROOT = Path.of(System.getProperty("user.dir")).resolve("..").normalize();

    /** Programs whose first-word use makes a line a command (besides paths such as bin/x, ./x, $X/bin/x). */
    static final Set<String> PROGRAMS = Set.of("mvn", "mvnw", "java", "javac", "jar", "jlink", "jshell", "spark-submit",
            "spark-shell", "spark-class", "pyspark", "python", "python3", "pip", "pip3", "bash", "sh", "zsh", "git", "cd",
            "export", "source", "curl", "wget", "docker", "kubectl", "chmod", "chown", "cp", "mv", "mkdir", "rm", "ln",
            "tar", "unzip", "nvidia-smi", "sudo", "apt", "apt-get", "yum", "dnf", "conda", "make", "cmake", "gradle",
            "sbt", "scala", "env", "echo", "cat", "ls", "hdfs", "hadoop", "yarn", "ssh", "scp", "rsync", "zeppelin.sh",
            "zeppelin-daemon.sh", "jupyter", "nohup", "time", "timeout");
    static final Set<String> SHELL_FENCES = Set.of("bash", "sh", "shell", "console");

    enum Where { SHELL_BLOCK, CODE_BLOCK, INLINE }

    /** A command as the docs show it: file, 1-based line, the text with continuations joined. */
    record Command(String file, int line, Where where, String text) {
        List<String> words() {
            return List.of(text.strip().split("\\s+"));
        }

        String program() {
            return words().get(0);
        }

        @Override
        public String toString() {
            return file + ":" + line + " (" + where.name().toLowerCase().replace('_', ' ') + "): " + text;
        }
    }

    private DocText() {
    }

    /** README.md, docs/**&#47;*.md and every module's or folder's README.md. */
    static List<Path> files() throws IOException {
        List<Path> files = new ArrayList<>();
        files.add(ROOT.resolve("README.md"));
        try (Stream<Path> s = Files.walk(ROOT.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        try (Stream<Path> s = Files.list(ROOT)) {
            s.map(d -> d.resolve("README.md")).filter(Files::isRegularFile).sorted().forEach(files::add);
        }
        return files;
    }

    /** A first word that runs something: a known program, or a path to one. */
    static boolean looksLikeCommand(String text) {
        String[] w = text.strip().split("\\s+");
        String first = w[0].replace("\"", "");
        return PROGRAMS.contains(first) || first.startsWith("bin/") || first.startsWith("./") || first.startsWith(".gpu/")
                || first.startsWith("$") && first.contains("/bin/");
    }

    static List<Command> commands() throws IOException {
        List<Command> out = new ArrayList<>();
        for (Path f : files()) {
            out.addAll(commands(ROOT.relativize(f).toString(), Files.readAllLines(f)));
        }
        return out;
    }

    static List<Command> commands(String file, List<String> lines) {
        List<Command> out = new ArrayList<>();
        String fence = null; // the info string of the open fence, null outside one
        boolean previousBlank = true;
        boolean inIndented = false;
        List<Integer> prose = new ArrayList<>(); // line indexes of the paragraph read so far
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            String t = line.strip();
            if (t.startsWith("```")) {
                out.addAll(inlineCommands(file, lines, prose));
                fence = fence == null ? t.substring(3).strip() : null;
                previousBlank = false;
                continue;
            }
            // an indented code block starts after a blank line, outside fences and list items
            inIndented = fence == null && line.startsWith("    ") && (inIndented || previousBlank) && !t.isEmpty()
                    || inIndented && t.isEmpty();
            previousBlank = t.isEmpty();
            boolean shell = fence != null && SHELL_FENCES.contains(fence);
            boolean code = fence != null && fence.isEmpty() || inIndented;
            if (shell || code) {
                t = t.startsWith("$ ") ? t.substring(2) : t;
                if (t.isEmpty() || t.startsWith("#") || code && !looksLikeCommand(t)) {
                    continue;
                }
                int start = i;
                StringBuilder cmd = new StringBuilder();
                while (t.endsWith("\\") && i + 1 < lines.size()) {
                    cmd.append(t, 0, t.length() - 1).append(' ');
                    t = lines.get(++i).strip();
                }
                cmd.append(t);
                out.add(new Command(file, start + 1, shell ? Where.SHELL_BLOCK : Where.CODE_BLOCK,
                        cmd.toString().strip().replaceAll("\\s+", " ")));
            } else if (fence == null) {
                if (t.isEmpty()) {
                    out.addAll(inlineCommands(file, lines, prose));
                } else {
                    prose.add(i);
                }
            }
        }
        out.addAll(inlineCommands(file, lines, prose));
        return out;
    }

    private static final Pattern SPAN = Pattern.compile("`([^`]+)`");

    /** Command-looking inline code spans of one paragraph (spans may break across its lines); empties it. */
    private static List<Command> inlineCommands(String file, List<String> lines, List<Integer> paragraph) {
        List<Command> out = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        List<Integer> lineAt = new ArrayList<>(); // source line of each character of text
        for (int i : paragraph) {
            String l = lines.get(i).strip() + " ";
            text.append(l);
            for (int k = 0; k < l.length(); k++) {
                lineAt.add(i + 1);
            }
        }
        Matcher m = SPAN.matcher(text);
        while (m.find()) {
            String span = m.group(1).strip().replaceAll("\\s+", " ");
            if (span.split(" ").length >= 2 && looksLikeCommand(span)) {
                out.add(new Command(file, lineAt.get(m.start()), Where.INLINE, span));
            }
        }
        paragraph.clear();
        return out;
    }
}
