package org.e3spark.kernels.cuda;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Writes a source NVRTC rejected to {@code java.io.tmpdir/e3spark-failed-kernels/} (with the log
 * beside it), so the failure can be reproduced with {@code nvcc} away from the executor. The name
 * carries the source's SHA-256, so repeated failures of one source overwrite one file.
 */
final class FailedKernelDump {

    static final String DIRECTORY = "e3spark-failed-kernels";

    private FailedKernelDump() {
    }

    static KernelCompileException compileFailure(String source, String programName, String result, String log,
                                                 List<String> options, GpuArch arch) {
        Path file = null;
        String problem = null;
        try {
            Path dir = Path.of(System.getProperty("java.io.tmpdir"), DIRECTORY);
            Files.createDirectories(dir);
            String stem = programName.replaceAll("[^A-Za-z0-9_.-]", "_") + "-" + sha256(source);
            file = dir.resolve(stem + ".cu");
            Files.writeString(file, source, StandardCharsets.UTF_8);
            Files.writeString(dir.resolve(stem + ".log"), "options: " + options + "\narch: " + arch.smName()
                    + "\nresult: " + result + "\n\n" + log, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            file = null;
            problem = e.toString();
        }
        return new KernelCompileException(programName, result, log, options, arch, file, problem);
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
