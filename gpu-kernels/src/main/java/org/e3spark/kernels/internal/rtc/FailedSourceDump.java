package org.e3spark.kernels.internal.rtc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Writes a source a runtime compiler rejected to {@code java.io.tmpdir/e3spark-failed-kernels/}
 * (with the log beside it), so the failure can be reproduced with {@code nvcc} or {@code hipcc}
 * away from the executor. The name carries the source's SHA-256, so repeated failures of one
 * source overwrite one file.
 */
public final class FailedSourceDump {

    public static final String DIRECTORY = "e3spark-failed-kernels";

    /** Where the source went ({@code file}), or why it could not be written ({@code problem}); one is null. */
    public record Written(Path file, String problem) {
    }

    private FailedSourceDump() {
    }

    /**
     * @param extension the source file's extension, e.g. {@code .cu} or {@code .hip}
     */
    public static Written write(String source, String programName, String extension, String result, String log,
                                List<String> options, String archName) {
        try {
            Path dir = Path.of(System.getProperty("java.io.tmpdir"), DIRECTORY);
            Files.createDirectories(dir);
            String stem = programName.replaceAll("[^A-Za-z0-9_.-]", "_") + "-" + sha256(source);
            Path file = dir.resolve(stem + extension);
            Files.writeString(file, source, StandardCharsets.UTF_8);
            Files.writeString(dir.resolve(stem + ".log"), "options: " + options + "\narch: " + archName
                    + "\nresult: " + result + "\n\n" + log, StandardCharsets.UTF_8);
            return new Written(file, null);
        } catch (IOException | RuntimeException e) {
            return new Written(null, e.toString());
        }
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }
}
