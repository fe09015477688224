package org.e3spark.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.bundle.BundleTarget;
import org.e3spark.kernels.bundle.KernelBundle;
import org.e3spark.kernels.bundle.KernelBundleWriter;
import org.e3spark.kernels.bundle.KernelSource;
import org.e3spark.kernels.hip.Hiprtc;
import org.e3spark.kernels.hip.HiprtcUnavailableException;
import org.e3spark.model.FeaturizerConfig;
import org.e3spark.model.ModelKernels;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bin/e3spark kernels bundle|list}: with a fake compiler (packaging only), and a real gfx90a bundle by hiprtc. */
class KernelsCommandTest {

    static final Path SMALL = DocText.ROOT.resolve("conf/featurizer-small.json");

    static KernelBundleWriter.Compiler fake(BundleTarget t) {
        return new KernelBundleWriter.Compiler() {
            @Override
            public String identity() {
                return "fake-" + t.arch();
            }

            @Override
            public byte[] compile(KernelSource unit, BundleTarget target) {
                return ("FAKE " + target.arch() + " " + unit.programName() + " " + unit.source().hashCode())
                        .getBytes(StandardCharsets.UTF_8);
            }
        };
    }

    record Run(int code, String out, String err) {
    }

    static Run run(Main.Command command, String... args) throws Exception {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = command == null ? Main.run(args) : command.run(Options.parse(args));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void bundlesAModelAndProblemsReproducibly(@TempDir Path tmp) throws Exception {
        Path a = tmp.resolve("a.jar");
        Path b = tmp.resolve("b.jar");
        String[] args = {"bundle", "--model", SMALL.toString(), "--problems", "tetris-poly-2", "--arch", "sm_90,sm_80",
                "--dtypes", "f32", "--threads", "2", "--output", a.toString()};
        Run r = run(new KernelsCommand(KernelsCommandTest::fake), args);
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("input: featurizer featurizer-small"), r.out());
        args[args.length - 1] = b.toString();
        assertEquals(0, run(new KernelsCommand(KernelsCommandTest::fake), args).code());
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b), "byte-identical for the same inputs");

        // featurizer-small: 2 layers x 3 convolution groups + the dense stages, plus 3 tensor-product groups, per arch
        try (KernelBundle k = KernelBundle.open(a)) {
            assertEquals(2 * 10, k.manifest().entries().size());
            // what the featurizer's GPU path would ask for is in it
            for (KernelSource u : ModelKernels.forFeaturizer(FeaturizerConfig.read(SMALL), List.of(DType.FLOAT32))
                    .sources(BundleTarget.of("sm_90"))) {
                assertTrue(k.find(u.source(), "sm_90", u.options()).hit(), u.programName());
            }
        }
        Run list = run(new KernelsCommand(KernelsCommandTest::fake), "list", "--bundle", a.toString());
        assertEquals(0, list.code(), list.err());
        assertTrue(list.out().contains("manifest and hash list verified") && list.out().contains("e3spark_featurizer_"), list.out());
    }

    @Test
    void argumentsAreChecked(@TempDir Path tmp) throws Exception {
        assertEquals(2, run(null, "kernels", "bundle", "--arch", "sm_90", "--output", tmp.resolve("x.jar").toString()).code());
        assertEquals(2, run(null, "kernels", "bundle", "--model", SMALL.toString(), "--arch", "sm_91",
                "--output", tmp.resolve("x.jar").toString()).code());
        assertEquals(2, run(null, "kernels", "pack").code());
        assertEquals(2, run(null, "kernels", "bundle", "--model", SMALL.toString(), "--arch", "sm_90").code());
    }

    @Test
    void aRealGfx90aBundleOfTheSmallFeaturizer(@TempDir Path tmp) throws Exception {
        try {
            Hiprtc.system();
        } catch (HiprtcUnavailableException e) {
            Assumptions.abort("SKIPPED: hiprtc is not installed: " + e.getMessage());
        }
        Path out = tmp.resolve("kernels.jar");
        Run r = run(null, "kernels", "bundle", "--model", SMALL.toString(), "--arch", "gfx90a", "--dtypes", "f32",
                "--threads", "2", "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        System.out.print(r.out());
        try (KernelBundle k = KernelBundle.open(out)) {
            assertEquals(7, k.manifest().entries().size());
            assertTrue(k.manifest().compilers().get("gfx90a").startsWith("hiprtc-"));
            for (KernelSource u : ModelKernels.forFeaturizer(FeaturizerConfig.read(SMALL), List.of(DType.FLOAT32))
                    .sources(BundleTarget.of("gfx90a"))) {
                KernelBundle.Lookup l = k.find(u.source(), "gfx90a", u.options());
                assertTrue(l.hit(), u.programName());
                assertTrue(new String(l.code(), 0, 4, StandardCharsets.ISO_8859_1).equals("\u007fELF")
                        || new String(l.code(), StandardCharsets.ISO_8859_1).startsWith("__CLANG_OFFLOAD_BUNDLE__"), u.programName());
            }
        }
    }
}
