package org.e3spark.kernels.internal.rtc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.e3spark.kernels.internal.PrivateDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dumps of failed compiles never write outside a folder that is ours alone (issue 16, item 15). */
class FailedSourceDumpTest {

    @TempDir
    Path tmp;

    private static final String SOURCE = "__global__ void k() { oops(); }\n";

    private FailedSourceDump.Written dump(Path dir) {
        return FailedSourceDump.write(dir, PrivateDirectory.currentUid(), SOURCE, "k", ".cu", "ERR", "log", List.of("-O3"),
                "sm_90");
    }

    @Test
    void theFolderIsCreatedPrivateAndTheDefaultIsPerUser() throws Exception {
        Path dir = tmp.resolve("dumps");
        FailedSourceDump.Written w = dump(dir);
        assertNull(w.problem());
        assertEquals(SOURCE, Files.readString(w.file()));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(w.file())));
        assertTrue(FailedSourceDump.directory().getFileName().toString()
                .equals(FailedSourceDump.DIRECTORY + "-" + PrivateDirectory.currentUid()));
        // a second failure of the same source replaces the one file
        assertEquals(w.file(), dump(dir).file());
        try (var files = Files.list(dir)) {
            assertEquals(2, files.count(), "source and log, no temporary files");
        }
    }

    @Test
    void aPlantedSymlinkUnderThePredictableNameIsReplacedNotFollowed() throws Exception {
        Path dir = tmp.resolve("dumps");
        Path first = dump(dir).file();
        Path victim = Files.writeString(tmp.resolve("victim.txt"), "precious");
        Files.delete(first);
        Files.createSymbolicLink(first, victim);
        FailedSourceDump.Written w = dump(dir);
        assertNull(w.problem());
        assertEquals("precious", Files.readString(victim), "the link's target is untouched");
        assertTrue(Files.isRegularFile(w.file(), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aFolderWeDidNotMakePrivateIsNotWrittenTo() throws Exception {
        // another user's (here: an open) folder at the shared name, or a symlink standing in for it
        Path open = Files.createDirectories(tmp.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        FailedSourceDump.Written w = dump(open);
        assertNull(w.file());
        assertTrue(w.problem().contains("open to group or others"), w.problem());
        try (var files = Files.list(open)) {
            assertEquals(0, files.count());
        }
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
        Files.setPosixFilePermissions(elsewhere, PosixFilePermissions.fromString("rwx------"));
        Path link = Files.createSymbolicLink(tmp.resolve("link"), elsewhere);
        FailedSourceDump.Written l = dump(link);
        assertTrue(l.problem() != null && l.problem().contains("symbolic link"), String.valueOf(l.problem()));
        try (var files = Files.list(elsewhere)) {
            assertFalse(files.findAny().isPresent());
        }
        FailedSourceDump.Written foreign = FailedSourceDump.write(tmp.resolve("dumps"), PrivateDirectory.currentUid() + 1,
                SOURCE, "k", ".cu", "ERR", "log", List.of(), "sm_90");
        assertNull(foreign.file(), "a folder owned by another uid is refused");
    }
}
