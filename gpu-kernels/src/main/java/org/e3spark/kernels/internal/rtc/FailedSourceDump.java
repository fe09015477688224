package org.e3spark.kernels.internal.rtc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.e3spark.kernels.internal.PrivateDirectory;

/**
 * Writes a source a runtime compiler rejected, with the log beside it, so the failure can be
 * reproduced with {@code nvcc} or {@code hipcc} away from the executor. The folder is private:
 * {@code java.io.tmpdir/e3spark-failed-kernels-<uid>}, created 0700 by us and checked like the
 * kernel cache ({@link PrivateDirectory}: ours, 0700, no way in through a folder above it) on every
 * dump; a folder that fails the check is not written to (the exception says why). In a shared
 * tmpdir another user could otherwise plant the folder, or a symlink under a predictable name, and
 * make us overwrite one of our own files. Files are created exclusively under a random name and
 * renamed into place (the rename replaces a link, never follows it), so repeated failures of one
 * source leave one file named by its SHA-256.
 */
public final class FailedSourceDump {

    public static final String DIRECTORY = "e3spark-failed-kernels";

    /** Where the source went ({@code file}), or why it could not be written ({@code problem}); one is null. */
    public record Written(Path file, String problem) {
    }

    private FailedSourceDump() {
    }

    /** The dump folder of this user. */
    public static Path directory() {
        return Path.of(System.getProperty("java.io.tmpdir"), DIRECTORY + "-" + PrivateDirectory.currentUid());
    }

    /**
     * @param extension the source file's extension, e.g. {@code .cu} or {@code .hip}
     */
    public static Written write(String source, String programName, String extension, String result, String log,
                                List<String> options, String archName) {
        return write(directory(), PrivateDirectory.currentUid(), source, programName, extension, result, log, options,
                archName);
    }

    /** As above into {@code dir} for {@code uid} (tests). */
    static Written write(Path dir, int uid, String source, String programName, String extension, String result,
                         String log, List<String> options, String archName) {
        try {
            String problem = PrivateDirectory.prepare(dir, uid, true);
            if (problem != null) {
                return new Written(null, "not dumping the source: " + problem);
            }
            String stem = programName.replaceAll("[^A-Za-z0-9_.-]", "_") + "-" + sha256(source);
            Path file = dir.resolve(stem + extension);
            place(dir, file, source);
            place(dir, dir.resolve(stem + ".log"), "options: " + options + "\narch: " + archName
                    + "\nresult: " + result + "\n\n" + log);
            return new Written(file, null);
        } catch (IOException | RuntimeException e) {
            return new Written(null, e.toString());
        }
    }

    /** A new file (random name, CREATE_NEW, 0600) with {@code text}, renamed onto {@code target}. */
    private static void place(Path dir, Path target, String text) throws IOException {
        Path tmp = Files.createTempFile(dir, ".dump-", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(tmp, text, StandardCharsets.UTF_8, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            tmp = null;
        } finally {
            if (tmp != null) {
                Files.deleteIfExists(tmp);
            }
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
