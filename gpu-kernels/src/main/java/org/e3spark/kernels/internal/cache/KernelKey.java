package org.e3spark.kernels.internal.cache;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The identity of a compiled kernel: the full SHA-256 (64 hex digits, never truncated) of the
 * source text, the target architecture, the compiler's identity and version, and the option list.
 * Every field is length-prefixed before hashing, so no two different inputs can concatenate to the
 * same byte stream (options {@code ["-a","b"]} and {@code ["-ab"]} differ).
 */
public record KernelKey(String sha256Hex) {

    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    /** The key derivation, recorded in kernel bundles: a bundle keyed otherwise is refused. */
    public static final String SCHEME = "e3spark-kernel-key-v1";
    private static final byte[] DOMAIN = SCHEME.getBytes(StandardCharsets.UTF_8);

    public KernelKey {
        if (sha256Hex == null || !HEX64.matcher(sha256Hex).matches()) {
            throw new IllegalArgumentException("a kernel key is 64 lowercase hex digits: '" + sha256Hex + "'");
        }
    }

    /**
     * @param source   the complete kernel source text
     * @param arch     the target, e.g. {@code sm_90}
     * @param compiler the compiler's identity and version, e.g. {@code nvrtc-13.0}
     * @param options  compiler options, in order
     */
    public static KernelKey of(String source, String arch, String compiler, List<String> options) {
        MessageDigest sha = sha256();
        sha.update(DOMAIN);
        field(sha, source);
        field(sha, arch);
        field(sha, compiler);
        sha.update(ByteBuffer.allocate(Integer.BYTES).putInt(options.size()).array());
        for (String option : options) {
            field(sha, option);
        }
        return new KernelKey(HexFormat.of().formatHex(sha.digest()));
    }

    /** The key a file name states, or null if the name is not {@code <64 hex>}{@code suffix}. */
    static KernelKey fromFileName(String fileName, String suffix) {
        if (!fileName.endsWith(suffix)) {
            return null;
        }
        String hex = fileName.substring(0, fileName.length() - suffix.length());
        return HEX64.matcher(hex).matches() ? new KernelKey(hex) : null;
    }

    byte[] bytes() {
        return HexFormat.of().parseHex(sha256Hex);
    }

    private static void field(MessageDigest sha, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        sha.update(ByteBuffer.allocate(Long.BYTES).putLong(bytes.length).array());
        sha.update(bytes);
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    @Override
    public String toString() {
        return sha256Hex;
    }
}
