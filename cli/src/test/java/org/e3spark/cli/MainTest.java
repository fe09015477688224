package org.e3spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class MainTest {

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private static double checksum(String output) {
        Matcher m = Pattern.compile("checksum\\s+(\\S+)").matcher(output);
        assertTrue(m.find(), output);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void tpChecksumIsTheSameOnTheFastAndReferenceBackends() {
        for (String direction : new String[] {"forward", "backward", "double-backward"}) {
            Result fast = run("tp", "--problem", "nequip-water", "--batch", "37", "--dtype", "f64", "--backend", "cpu",
                    "--direction", direction, "--repeat", "1");
            Result ref = run("tp", "--problem", "nequip-water", "--batch", "37", "--dtype", "f64", "--backend",
                    "cpu-reference", "--direction", direction, "--repeat", "1");
            assertEquals(0, fast.code(), fast.err());
            assertEquals(0, ref.code(), ref.err());
            double a = checksum(fast.out());
            double b = checksum(ref.out());
            assertTrue(a > 0, "checksum of random inputs must be positive");
            assertEquals(b, a, 1e-10 * b, direction);
        }
    }

    @Test
    void benchPrintsOneRowPerConfiguration() {
        Result r = run("bench", "--problems", "tetris-poly-2", "--backends", "cpu", "--dtypes", "f32,f64",
                "--directions", "forward,backward", "--batch", "64", "--repeat", "1");
        assertEquals(0, r.code(), r.err());
        long rows = r.out().lines().filter(l -> l.startsWith("tetris-poly-2")).count();
        assertEquals(4, rows, r.out());
    }

    @Test
    void mistakesAreNamed() {
        Result r = run("tp", "--problem", "no-such-problem");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown problem 'no-such-problem'") && r.err().contains("mace-large"), r.err());
        r = run("tp", "--bacth", "10");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown option --bacth"), r.err());
        r = run("frobnicate");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown command 'frobnicate'"), r.err());
    }

    @Test
    void featurizeWithoutSparksJarsSaysHowToRunIt() {
        // The CLI's test classpath has no Spark (provided): the command must say so, not die on a missing class.
        Result r = run("featurize", "--input", "@sample");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("Spark's jars are not on the classpath") && r.err().contains("bin/e3spark"), r.err());
    }
}
