package org.e3spark.kernels.bundle;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.Irreps;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.TPProblems;
import org.e3spark.kernels.cuda.KernelSources;

/** Test doubles and helpers of the bundle tests: a fake compiler (packaging tests only) and jar surgery. */
final class BundleFixtures {

    private BundleFixtures() {
    }

    static TPProblem small() {
        Irreps a = Irreps.parse("4x0e+2x1o");
        return TPProblems.channelwise(a, Irreps.parse("1x0e+1x1o"), a);
    }

    static KernelInventory smallProblems() {
        return KernelSources.problems("test problem", List.of(small()), List.of(DType.FLOAT32), false);
    }

    /** Deterministic bytes standing in for a binary: a function of everything a real compile depends on. */
    static KernelBundleWriter.Compiler fake(String identity) {
        return new KernelBundleWriter.Compiler() {
            @Override
            public String identity() {
                return identity;
            }

            @Override
            public byte[] compile(KernelSource unit, BundleTarget target) {
                return fakeBinary(identity, target.arch(), unit);
            }
        };
    }

    static byte[] fakeBinary(String identity, String arch, KernelSource unit) {
        String digest = KernelBundle.sha256Hex((identity + "|" + arch + "|" + unit.options() + "|" + unit.source())
                .getBytes(StandardCharsets.UTF_8));
        return ("FAKE-BINARY " + arch + " " + unit.programName() + " " + digest + "\n").repeat(8)
                .getBytes(StandardCharsets.UTF_8);
    }

    static byte[] build(List<KernelInventory> inventories, String archs) {
        return KernelBundleWriter.build(inventories, BundleTarget.parseList(archs), t -> fake("fake-" + t.arch()));
    }

    static Map<String, byte[]> entries(byte[] jar) {
        Map<String, byte[]> out = new java.util.LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(jar))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                out.put(e.getName(), in.readAllBytes());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The jar with the entries for which {@code edit} returns other bytes replaced (order kept). */
    static byte[] rewrite(byte[] jar, java.util.function.BiFunction<String, byte[], byte[]> edit) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(out)) {
            for (Map.Entry<String, byte[]> e : entries(jar).entrySet()) {
                byte[] b = edit.apply(e.getKey(), e.getValue());
                if (b == null) {
                    continue;
                }
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(b);
                z.closeEntry();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static byte[] editText(byte[] jar, String path, UnaryOperator<String> edit) {
        return rewrite(jar, (name, b) -> name.equals(path)
                ? edit.apply(new String(b, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8) : b);
    }

    /** The jar with the manifest edited and the hash list made consistent again (a well-formed but foreign bundle). */
    static byte[] editManifestConsistently(byte[] jar, UnaryOperator<String> edit) {
        byte[] edited = editText(jar, KernelBundle.MANIFEST, edit);
        String newHash = KernelBundle.sha256Hex(entries(edited).get(KernelBundle.MANIFEST));
        String oldHash = KernelBundle.sha256Hex(entries(jar).get(KernelBundle.MANIFEST));
        return editText(edited, KernelBundle.SUMS, s -> s.replace(oldHash, newHash));
    }
}
