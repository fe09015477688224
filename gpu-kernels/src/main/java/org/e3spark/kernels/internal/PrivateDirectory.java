package org.e3spark.kernels.internal;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Folders only this process's user can change: the kernel cache (whose CUBIN is loaded and run on
 * the GPU) and the dumps of failed compiles. Checking the last component alone is not enough: whoever
 * can write to any ancestor can rename that ancestor and put a folder of their own in its place. So
 * every component of the path as given, and of its real path, must be owned by this user or root,
 * and must not be writable by group or others unless the sticky bit is set (as on {@code /tmp},
 * where others cannot rename our entries); a symlink on the way must belong to this user or root;
 * the folder itself must be a real directory (no symlink) owned by this user and not group- or
 * world-writable. Callers re-check on every use, so a folder swapped after start is refused too.
 */
public final class PrivateDirectory {

    private static final int GROUP_OTHER_WRITE = 0022;
    private static final int GROUP_OTHER_ANY = 0077;
    private static final int STICKY = 01000;

    private static volatile Integer currentUid;

    private PrivateDirectory() {
    }

    /**
     * Null when {@code dir} is safe for {@code uid}, else why not. {@code exclusive}: the folder
     * must also be unreadable by group and others (0700, for dumps of our sources).
     */
    public static String problem(Path dir, int uid, boolean exclusive) {
        try {
            Path abs = dir.toAbsolutePath().normalize();
            String given = ancestors(abs, uid);
            if (given != null) {
                return given;
            }
            if (Files.isSymbolicLink(abs)) {
                return abs + " is a symbolic link";
            }
            Path real = abs.toRealPath();
            if (!real.equals(abs)) {
                String resolved = ancestors(real, uid);
                if (resolved != null) {
                    return resolved + " (on the real path " + real + " of " + abs + ")";
                }
            }
            if (!Files.isDirectory(abs, LinkOption.NOFOLLOW_LINKS)) {
                return abs + " is not a directory";
            }
            int owner = (Integer) Files.getAttribute(abs, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            if (owner != uid) {
                return abs + " is owned by uid " + owner + ", not by this process's uid " + uid;
            }
            int mode = (Integer) Files.getAttribute(abs, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if ((mode & (exclusive ? GROUP_OTHER_ANY : GROUP_OTHER_WRITE)) != 0) {
                return abs + " is " + (exclusive ? "open to group or others" : "group- or world-writable") + " ("
                        + PosixFilePermissions.toString(Files.getPosixFilePermissions(abs, LinkOption.NOFOLLOW_LINKS))
                        + ")";
            }
            return null;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            return dir + " cannot be used: " + e;
        }
    }

    /** Every proper ancestor of {@code abs}, root first: null when none is a way in for another user. */
    private static String ancestors(Path abs, int uid) throws IOException {
        Path p = abs.getRoot();
        for (int i = 0; i < abs.getNameCount() - 1; i++) {
            p = p.resolve(abs.getName(i));
            if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                return null; // created by us below this point
            }
            int owner = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            if (owner != uid && owner != 0) {
                return p + " (an ancestor of " + abs + ") is owned by uid " + owner + ", neither this user nor root";
            }
            if (Files.isSymbolicLink(p)) {
                continue; // the link's target is checked on the real path
            }
            int mode = (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            if ((mode & GROUP_OTHER_WRITE) != 0 && (mode & STICKY) == 0) {
                return p + " (an ancestor of " + abs + ") is group- or world-writable without the sticky bit";
            }
        }
        return null;
    }

    /**
     * Creates {@code dir} 0700 if absent (each missing component created by us, 0700), then checks
     * it; null when it is safe, else why not.
     */
    public static String prepare(Path dir, int uid, boolean exclusive) {
        Path abs = dir.toAbsolutePath().normalize();
        String before = safeAncestors(abs, uid);
        if (before != null) {
            return before;
        }
        try {
            Path p = abs.getRoot();
            for (int i = 0; i < abs.getNameCount(); i++) {
                p = p.resolve(abs.getName(i));
                if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                    try {
                        Files.createDirectory(p, PosixFilePermissions.asFileAttribute(
                                PosixFilePermissions.fromString("rwx------")));
                    } catch (FileAlreadyExistsException e) {
                        // created meanwhile by someone: the check below judges whose it is
                    }
                }
            }
        } catch (IOException | UnsupportedOperationException e) {
            return dir + " cannot be created: " + e;
        }
        return problem(abs, uid, exclusive);
    }

    private static String safeAncestors(Path abs, int uid) {
        try {
            return ancestors(abs, uid);
        } catch (IOException | UnsupportedOperationException | ClassCastException e) {
            return abs + " cannot be used: " + e;
        }
    }

    /** This process's uid, read from a file it creates (portable across Unixes, no /proc needed). */
    public static int currentUid() {
        Integer uid = currentUid;
        if (uid == null) {
            try {
                Path probe = Files.createTempFile("e3spark-uid", ".probe");
                try {
                    uid = (Integer) Files.getAttribute(probe, "unix:uid");
                } finally {
                    Files.deleteIfExists(probe);
                }
            } catch (IOException | UnsupportedOperationException e) {
                throw new IllegalStateException("cannot determine this process's uid", e);
            }
            currentUid = uid;
        }
        return uid;
    }
}
