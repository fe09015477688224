package org.e3spark.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The job's write side, checked before anything is written: Spark's {@code SaveMode.Overwrite}
 * deletes the target folder before the (lazy) input is read, so an output that is, contains or lies
 * inside the input would destroy the input, and an errors path that overlaps the output would
 * replace the features. Both are refused here, by fully qualified (and, for local files, symlink
 * resolved) paths. The run then holds an exclusive lock file beside each target, so that a second
 * job writing the same folder at the same time fails at once, naming the lock, instead of racing
 * the first one's {@code _temporary} folder. Closing releases the locks.
 */
final class OutputPaths implements AutoCloseable {

    /** The lock beside a target folder {@code X}: {@code .X.e3spark-lock} in X's parent. */
    static final String LOCK_SUFFIX = ".e3spark-lock";

    /** A refused path: the job writes nothing; the CLI prints the message and exits with 2. */
    static final class Refused extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }

        Refused(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Configuration conf;
    private final List<Path> locks = new ArrayList<>();

    private OutputPaths(Configuration conf) {
        this.conf = conf;
    }

    /**
     * Refuses overlapping paths, then locks {@code output} (and {@code errorsOrNull}).
     * {@code inputOrNull} is null for inputs that are not files (the bundled sample).
     */
    static OutputPaths claim(Configuration conf, String inputOrNull, String output, String errorsOrNull) {
        String in = inputOrNull == null ? null : canonical(conf, inputOrNull);
        String out = canonical(conf, output);
        String err = errorsOrNull == null ? null : canonical(conf, errorsOrNull);
        if (in != null) {
            refuseOverlap("--output", output, out, "--input", inputOrNull, in);
        }
        if (err != null) {
            refuseOverlap("--errors", errorsOrNull, err, "--output", output, out);
            if (in != null) {
                refuseOverlap("--errors", errorsOrNull, err, "--input", inputOrNull, in);
            }
        }
        OutputPaths p = new OutputPaths(conf);
        try {
            p.lock(output);
            if (errorsOrNull != null) {
                p.lock(errorsOrNull);
            }
            return p;
        } catch (RuntimeException e) {
            p.close();
            throw e;
        }
    }

    /**
     * Removes an errors folder left by an earlier run that this run will not replace (a run under
     * onError=fail writes none), so that no stale reasons sit beside new features. Only a folder
     * that a Spark write completed ({@code _SUCCESS}) is removed; anything else at that path is
     * refused rather than deleted.
     */
    static void removeStaleErrors(Configuration conf, String errors) {
        Path p = new Path(errors);
        try {
            FileSystem fs = p.getFileSystem(conf);
            if (!fs.exists(p)) {
                return;
            }
            if (!fs.getFileStatus(p).isDirectory() || !fs.exists(new Path(p, "_SUCCESS"))) {
                throw new Refused("errors path " + errors + " exists and is not the output of an earlier"
                        + " run (no _SUCCESS); it would describe another run: remove it or pass another --errors");
            }
            if (!fs.delete(p, true)) {
                throw new IllegalStateException("cannot remove the stale errors output " + errors);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot check the errors path " + errors, e);
        }
    }

    private static void refuseOverlap(String aName, String aGiven, String a, String bName, String bGiven, String b) {
        String why = a.equals(b) ? "is" : inside(a, b) ? "lies inside" : inside(b, a) ? "contains" : null;
        if (why != null) {
            throw new Refused(aName + " " + aGiven + " " + why + " " + bName + " " + bGiven + " ("
                    + a + " vs " + b + "); writing it would delete or replace " + bName
                    + ": choose a folder outside it");
        }
    }

    private static boolean inside(String child, String parent) {
        String p = parent.endsWith("/") ? parent : parent + "/";
        return child.startsWith(p);
    }

    /**
     * The qualified path as a string; for local files the deepest existing ancestor is resolved
     * through symlinks, so that a link to the input is recognized as the input.
     */
    static String canonical(Configuration conf, String path) {
        try {
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(conf);
            URI q = fs.makeQualified(p).toUri();
            if (!"file".equals(q.getScheme())) {
                return stripSlash(q.toString());
            }
            java.nio.file.Path local = java.nio.file.Path.of(q.getPath()).toAbsolutePath().normalize();
            java.nio.file.Path existing = local;
            java.nio.file.Path rest = null;
            while (existing != null && !Files.exists(existing)) {
                java.nio.file.Path name = existing.getFileName();
                rest = rest == null ? name : name.resolve(rest);
                existing = existing.getParent();
            }
            java.nio.file.Path real = existing == null ? local : existing.toRealPath();
            return "file:" + stripSlash((rest == null ? real : real.resolve(rest)).toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resolve " + path, e);
        }
    }

    private static String stripSlash(String s) {
        return s.length() > 1 && s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    static Path lockOf(Configuration conf, String target) {
        Path t = new Path(target);
        try {
            Path q = t.getFileSystem(conf).makeQualified(t);
            Path parent = q.getParent() == null ? q : q.getParent();
            return new Path(parent, "." + q.getName() + LOCK_SUFFIX);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resolve " + target, e);
        }
    }

    private void lock(String target) {
        Path lock = lockOf(conf, target);
        String holder = "e3spark featurize, " + ProcessHandle.current().pid() + " on "
                + System.getProperty("user.name") + ", since " + Instant.now() + "\n";
        try {
            FileSystem fs = lock.getFileSystem(conf);
            fs.mkdirs(lock.getParent());
            if ("file".equals(lock.toUri().getScheme())) {
                // O_EXCL: Hadoop's local create(overwrite=false) checks and creates in two steps
                java.nio.file.Path f = java.nio.file.Path.of(lock.toUri());
                Files.createFile(f);
                Files.writeString(f, holder);
            } else {
                try (FSDataOutputStream o = fs.create(lock, false)) {
                    o.writeBytes(holder);
                }
            }
            locks.add(lock);
        } catch (FileAlreadyExistsException | org.apache.hadoop.fs.FileAlreadyExistsException e) {
            throw new Refused("another job is writing " + target + " (lock file " + lock + ": "
                    + readQuietly(lock).strip() + "); wait for it, or delete the lock file if no job is running", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the lock file " + lock + " for " + target, e);
        }
    }

    private String readQuietly(Path p) {
        try (var in = p.getFileSystem(conf).open(p)) {
            return new String(in.readNBytes(512), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "unreadable";
        }
    }

    @Override
    public void close() {
        for (Path lock : locks) {
            try {
                lock.getFileSystem(conf).delete(lock, false);
            } catch (IOException e) {
                // the next run names the stale lock file; nothing else to do here
                org.slf4j.LoggerFactory.getLogger(OutputPaths.class).warn("cannot remove lock file {}: {}", lock, e.toString());
            }
        }
        locks.clear();
    }
}
