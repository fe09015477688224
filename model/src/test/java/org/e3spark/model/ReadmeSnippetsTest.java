package org.e3spark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * The README's Java examples compile against the current API: each {@code ```java} block is put in a
 * method of its own class (its import lines on top; the names the prose leaves free, such as
 * {@code x}, {@code structures} or {@code consume}, declared as fields) and compiled in memory.
 * Nothing runs; a renamed method or a missing import fails here instead of on a reader's machine.
 */
class ReadmeSnippetsTest {

    private static final String FREE_NAMES = """
                static double[] x, y, w, gradOut;
                static int batch;
                static java.util.List<org.e3spark.data.Structure> structures;
                static java.util.List<java.util.List<org.e3spark.data.Structure>> batches;
                static void consume(org.e3spark.model.FeaturizerResult result) {
                }
            """;

    static List<String> javaBlocks(String markdown) {
        List<String> blocks = new ArrayList<>();
        StringBuilder current = null;
        for (String line : markdown.split("\n", -1)) {
            if (current == null && line.strip().equals("```java")) {
                current = new StringBuilder();
            } else if (current != null && line.strip().equals("```")) {
                blocks.add(current.toString());
                current = null;
            } else if (current != null) {
                current.append(line).append('\n');
            }
        }
        return blocks;
    }

    private static JavaFileObject source(String className, String block) {
        StringBuilder imports = new StringBuilder("import java.nio.file.Path;\nimport java.util.List;\n"
                + "import org.e3spark.data.Structure;\n");
        StringBuilder body = new StringBuilder();
        for (String line : block.split("\n")) {
            (line.startsWith("import ") ? imports : body).append(line).append('\n');
        }
        String code = "package readme;\n" + imports + "class " + className + " {\n" + FREE_NAMES
                + "    static void example() throws Exception {\n" + body + "    }\n}\n";
        return new SimpleJavaFileObject(URI.create("string:///readme/" + className + ".java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return code;
            }
        };
    }

    @Test
    void everyJavaBlockOfTheReadmeCompiles() throws IOException {
        String readme = Files.readString(Path.of("../README.md"));
        List<String> blocks = javaBlocks(readme);
        assertTrue(blocks.size() >= 2, "the README's Java examples were found: " + blocks.size());
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<JavaFileObject> sources = new ArrayList<>();
        for (int k = 0; k < blocks.size(); k++) {
            sources.add(source("Example" + (k + 1), blocks.get(k)));
        }
        Path out = Files.createTempDirectory("readme-snippets");
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        StringWriter log = new StringWriter();
        boolean ok = javac.getTask(log, null, diagnostics, List.of("-d", out.toString(), "-proc:none", "-classpath",
                System.getProperty("java.class.path")), null, sources).call();
        StringBuilder report = new StringBuilder();
        diagnostics.getDiagnostics().forEach(d -> report.append(d.getSource() == null ? "" : d.getSource().getName())
                .append(':').append(d.getLineNumber()).append(": ").append(d.getMessage(null)).append('\n'));
        assertTrue(ok, "README Java examples do not compile:\n" + report + log);
        assertEquals(blocks.size(), countClasses(out), "one class per example");
    }

    private static long countClasses(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            return files.filter(p -> p.toString().endsWith(".class") && !p.getFileName().toString().contains("$")).count();
        }
    }

    @Test
    void blocksAreFoundBetweenFences() {
        String md = "text\n```java\nint a = 1;\n```\n```bash\nls\n```\n```java\nint b;\n```\n";
        assertEquals(List.of("int a = 1;\n", "int b;\n"), javaBlocks(md));
    }
}
