package org.e3spark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.e3spark.data.SampleDataset;
import org.e3spark.data.Structure;
import org.e3spark.kernels.DType;
import org.e3spark.model.ComputeTarget;
import org.e3spark.model.Featurizer;
import org.e3spark.model.FeaturizerConfig;
import org.e3spark.model.FeaturizerModel;
import org.e3spark.model.FeaturizerResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code spark-submit} line of the documentation, run as spark-submit runs it, after
 * {@code package} (maven-failsafe), against the shaded jar this build made.
 *
 * <p>What {@code bin/spark-class} does is done here: Spark's launcher ({@code org.apache.spark.launcher.Main})
 * turns the line into the driver's java command (driver options from the properties file, Spark's module
 * options), against a Spark home whose {@code jars/} are this build's Spark 4.2 jars
 * ({@code target/spark-classpath.txt}). The master is a {@code local-cluster}: a standalone master and worker
 * inside the driver, executors in their own JVMs, so the GPU resource lines of {@code conf/spark-defaults.conf}
 * are scheduled for real. The worker's GPU comes from {@code conf/getGpusResources.sh} with
 * {@code CUDA_VISIBLE_DEVICES=0}; without a GPU or driver here, tasks get address 0 and featurize on the CPU.
 *
 * <p>What is substituted, and nothing else: {@code --master URL} becomes {@code local-cluster[1,4,1536]} (a
 * line must name its master: {@code --properties-file} replaces the installation's spark-defaults.conf);
 * {@code --input} becomes the bundled sample, {@code --output} a temporary directory; {@code /opt/e3spark}
 * (the docs' stand-in for the checkout) becomes this checkout, also in properties-file values; the standalone
 * worker's own GPU settings (on a cluster they live in the workers' configuration) and
 * {@code spark.ui.enabled=false} are added.
 */
class SparkSubmitDocIT {

    static final Path ROOT = Path.of(System.getProperty("user.dir")).resolve("..").normalize();
    static final String CHECKOUT_PLACEHOLDER = "/opt/e3spark";
    static final String MASTER = "local-cluster[1,4,1536]";
    static final long TIMEOUT_SECONDS = 300;

    /** The files users read; a spark-submit line anywhere in them is a command. */
    static List<Path> docs() throws IOException {
        List<Path> files = new ArrayList<>();
        files.add(ROOT.resolve("README.md"));
        try (Stream<Path> s = Files.walk(ROOT.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        try (Stream<Path> s = Files.list(ROOT)) {
            s.map(d -> d.resolve("README.md")).filter(Files::isRegularFile).sorted().forEach(files::add);
        }
        files.add(ROOT.resolve("conf/spark-defaults.conf"));
        return files;
    }

    record SubmitLine(String where, List<String> words) {
    }

    /** Lines that start with spark-submit (after "$ " or a comment's "#"), backslash continuations joined. */
    static List<SubmitLine> submitLines() throws IOException {
        List<SubmitLine> out = new ArrayList<>();
        for (Path f : docs()) {
            List<String> lines = Files.readAllLines(f);
            for (int i = 0; i < lines.size(); i++) {
                String t = strip(lines.get(i));
                if (!t.startsWith("spark-submit ")) {
                    continue;
                }
                int start = i;
                StringBuilder cmd = new StringBuilder();
                while (t.endsWith("\\") && i + 1 < lines.size()) {
                    cmd.append(t, 0, t.length() - 1).append(' ');
                    t = strip(lines.get(++i));
                }
                cmd.append(t);
                out.add(new SubmitLine(ROOT.relativize(f) + ":" + (start + 1), Arrays.asList(cmd.toString().split("\\s+"))));
            }
        }
        return out;
    }

    private static String strip(String line) {
        String t = line.strip();
        t = t.startsWith("#") ? t.substring(1).strip() : t;
        return t.startsWith("$ ") ? t.substring(2).strip() : t;
    }

    @Test
    void everyDocumentedSparkSubmitLineRunsOnAStandaloneClusterWithGpuScheduling(@TempDir Path tmp) throws Exception {
        List<SubmitLine> lines = submitLines();
        assertTrue(!lines.isEmpty(), "no spark-submit line found in " + docs());
        Path sparkHome = sparkHome();
        FeaturizerResult expected = expectedSampleFeatures();
        for (int n = 0; n < lines.size(); n++) {
            SubmitLine line = lines.get(n);
            Path output = tmp.resolve("features-" + n);
            List<String> args = substitute(line, output);
            List<String> driver = launcherCommand(sparkHome, args, line);
            Path log = Path.of(System.getProperty("user.dir"), "target", "spark-submit-doc-" + n + ".log");
            deleteTree(sparkHome.resolve("work"));
            int rc = run(driver, sparkHome, log);
            String tail = tail(log);
            assertEquals(0, rc, line.where() + ": spark-submit exited with " + rc + " (" + String.join(" ", args) + ")\n" + tail);
            assertTrue(Files.exists(output.resolve("_SUCCESS")), line.where() + ": no _SUCCESS in " + output + "\n" + tail);
            checkFeatures(line, output, expected);
            checkExecutorHadTheGpuAddress(line, sparkHome);
        }
    }

    /** The line's words with the substitutions of the class comment, spark-submit itself dropped. */
    static List<String> substitute(SubmitLine line, Path output) throws IOException {
        List<String> w = new ArrayList<>(line.words().subList(1, line.words().size()));
        boolean master = false;
        boolean input = false;
        boolean out = false;
        for (int i = 0; i + 1 < w.size(); i++) {
            switch (w.get(i)) {
                case "--master" -> {
                    w.set(i + 1, MASTER);
                    master = true;
                }
                case "--input" -> {
                    w.set(i + 1, "@sample");
                    input = true;
                }
                case "--output" -> {
                    w.set(i + 1, output.toString());
                    out = true;
                }
                default -> {
                }
            }
        }
        assertTrue(master, line.where() + ": a spark-submit line must give --master (with --properties-file, the"
                + " installation's spark-defaults.conf and its spark.master are not read)");
        assertTrue(input && out, line.where() + ": FeaturizeJob needs --input and --output");
        w.replaceAll(s -> s.replace(CHECKOUT_PLACEHOLDER, ROOT.toString()));
        List<String> added = new ArrayList<>();
        int pf = w.indexOf("--properties-file");
        if (pf >= 0) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(ROOT.resolve(w.get(pf + 1)))) {
                p.load(r);
            }
            for (String k : p.stringPropertyNames()) {
                if (p.getProperty(k).contains(CHECKOUT_PLACEHOLDER)) {
                    added.addAll(List.of("--conf", k + "=" + p.getProperty(k).replace(CHECKOUT_PLACEHOLDER, ROOT.toString())));
                }
            }
        }
        String discovery = ROOT.resolve("conf/getGpusResources.sh").toString();
        added.addAll(List.of("--conf", "spark.worker.resource.gpu.amount=1",
                "--conf", "spark.worker.resource.gpu.discoveryScript=" + discovery,
                "--conf", "spark.ui.enabled=false"));
        // spark-submit's own options end at the application jar: insert ours before it
        int jar = -1;
        for (int i = 0; i < w.size(); i++) {
            if (w.get(i).endsWith(".jar")) {
                jar = i;
                break;
            }
        }
        assertTrue(jar >= 0, line.where() + ": no application jar");
        Path jarPath = ROOT.resolve(w.get(jar)).normalize();
        Path built = Path.of(System.getProperty("e3spark.shadedJar"));
        assertEquals(built, jarPath, line.where() + ": the documented jar is not the one the build makes");
        w.addAll(jar, added);
        return w;
    }

    /** A Spark home: jars/ links to this build's Spark jars; work/ (executor logs) starts empty. */
    static Path sparkHome() throws IOException {
        Path home = Path.of(System.getProperty("user.dir"), "target", "spark-home");
        Path jars = home.resolve("jars");
        deleteTree(home);
        Files.createDirectories(jars);
        String cp = Files.readString(Path.of(System.getProperty("e3spark.sparkClasspathFile"))).strip();
        for (String j : cp.split(java.io.File.pathSeparator)) {
            Path src = Path.of(j);
            Files.createSymbolicLink(jars.resolve(src.getFileName()), src);
        }
        return home;
    }

    /** Spark's launcher: prints "\0\n", then the command's words each ended by "\0" (bin/spark-class reads it so). */
    static List<String> launcherCommand(Path sparkHome, List<String> args, SubmitLine line) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(javaBin(), "-Xmx128m", "-cp", sparkHome.resolve("jars") + "/*",
                "org.apache.spark.launcher.Main", "org.apache.spark.deploy.SparkSubmit"));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile());
        environment(pb, sparkHome);
        Process p = pb.redirectErrorStream(true).start();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "Spark's launcher did not finish");
        String s = new String(out, StandardCharsets.UTF_8);
        int marker = s.indexOf("\0\n");
        if (p.exitValue() != 0 || marker < 0) {
            fail(line.where() + ": Spark's launcher refused the line (exit " + p.exitValue() + "):\n" + s);
        }
        List<String> words = new ArrayList<>(Arrays.asList(s.substring(marker + 2).split("\0")));
        words.removeIf(String::isEmpty);
        return words;
    }

    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Nothing of the caller's Spark installation leaks in; CUDA_VISIBLE_DEVICES=0 gives the worker one GPU address. */
    static void environment(ProcessBuilder pb, Path sparkHome) {
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("SPARK_") || k.startsWith("PYSPARK_") || k.equals("HADOOP_CONF_DIR"));
        env.put("SPARK_HOME", sparkHome.toString());
        env.put("SPARK_SCALA_VERSION", "2.13"); // the launcher asks for it when SPARK_HOME is not a source build
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("CUDA_VISIBLE_DEVICES", "0");
    }

    /** Runs the driver with a time limit; the executors are its descendants and go with it. */
    static int run(List<String> cmd, Path sparkHome, Path log) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(ROOT.toFile());
        environment(pb, sparkHome);
        Files.createDirectories(log.getParent());
        Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            fail("spark-submit did not finish in " + TIMEOUT_SECONDS + " s (a task GPU amount without GPU addresses"
                    + " waits forever):\n" + tail(log));
        }
        return p.exitValue();
    }

    /** The sample featurized in this JVM with the same (seeded, bundled) model and precision the job uses. */
    static FeaturizerResult expectedSampleFeatures() {
        FeaturizerModel model = FeaturizerModel.seeded(FeaturizerConfig.bundled("featurizer-small"));
        try (Featurizer f = Featurizer.create(model, ComputeTarget.cpu(), DType.FLOAT32)) {
            return f.featurize(SampleDataset.load(), false);
        }
    }

    static void checkFeatures(SubmitLine line, Path output, FeaturizerResult expected) {
        SparkSession spark = SparkSession.builder().master("local[1]").appName("spark-submit-doc-check")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            Dataset<Row> out = spark.read().parquet(output.toString());
            assertEquals(List.of("structure_id", "config_type", "atom_features", "structure_features"),
                    List.of(out.columns()), line.where());
            List<Row> rows = out.collectAsList();
            List<Structure> sample = SampleDataset.load();
            assertEquals(sample.size(), rows.size(), line.where() + ": rows");
            Map<Long, Row> byId = new HashMap<>();
            rows.forEach(r -> byId.put(r.getLong(0), r));
            int w = 2 * expected.atomWidth();
            for (int k = 0; k < sample.size(); k++) {
                Row r = byId.get(sample.get(k).id());
                assertTrue(r != null, line.where() + ": no row for structure " + sample.get(k).id());
                assertEquals(sample.get(k).atomCount(), r.getList(2).size(), line.where() + ": atoms of structure " + k);
                List<Object> sf = r.getList(3);
                assertEquals(w, sf.size(), line.where() + ": structure feature width");
                for (int c = 0; c < w; c++) {
                    double e = expected.structureFeatures()[k * w + c];
                    assertEquals(e, ((Number) sf.get(c)).doubleValue(), 1e-5 * (1 + Math.abs(e)),
                            line.where() + ": structure " + k + " feature " + c);
                }
            }
        } finally {
            spark.stop();
        }
    }

    /** Spark's own record of what the worker gave the executor: the discovery script's address 0. */
    static void checkExecutorHadTheGpuAddress(SubmitLine line, Path sparkHome) throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.walk(sparkHome.resolve("work"))) {
            files = s.filter(p -> p.getFileName().toString().startsWith("resource-executor-")).toList();
        }
        assertTrue(!files.isEmpty(), line.where() + ": no executor resource file under " + sparkHome.resolve("work"));
        // [{"id":{"componentName":"spark.executor","resourceName":"gpu"},"addresses":["0"]}]
        Pattern gpu0 = Pattern.compile("\"resourceName\"\\s*:\\s*\"gpu\"\\s*}\\s*,\\s*\"addresses\"\\s*:\\s*\\[\\s*\"0\"\\s*]");
        for (Path f : files) {
            String json = Files.readString(f);
            Matcher m = gpu0.matcher(json);
            assertTrue(m.find(), line.where() + ": executor resources " + f + " do not hold gpu address 0: " + json);
        }
    }

    static String tail(Path log) throws IOException {
        if (!Files.exists(log)) {
            return "(no output)";
        }
        List<String> l = Files.readAllLines(log);
        return String.join("\n", l.subList(Math.max(0, l.size() - 60), l.size()));
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> all = Files.walk(p)) {
            for (Path q : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }
}
