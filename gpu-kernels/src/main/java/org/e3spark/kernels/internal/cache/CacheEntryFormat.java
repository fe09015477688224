package org.e3spark.kernels.internal.cache;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The bytes of one disk cache entry: a 96-byte header, then the CUBIN payload.
 * <pre>
 *   0  magic "E3SKCUBN"        (8 bytes)
 *   8  format version          (int, big-endian)
 *  12  reserved, zero          (int)
 *  16  key: SHA-256            (32 bytes; must equal the file name)
 *  48  payload length          (long)
 *  56  SHA-256 of the payload  (32 bytes)
 *  88  reserved, zero          (8 bytes)
 *  96  payload
 * </pre>
 * {@link #decode} verifies all of it and says what was wrong, so a torn, corrupted or misplaced
 * file is never handed to {@code cuModuleLoadData}.
 */
final class CacheEntryFormat {

    static final int VERSION = 1;
    static final int HEADER_BYTES = 96;
    /** No kernel comes near this; a larger length field is corruption, not a reason to allocate. */
    static final long MAX_PAYLOAD = 1L << 30;
    private static final byte[] MAGIC = {'E', '3', 'S', 'K', 'C', 'U', 'B', 'N'};

    /** What reading an entry found. Exactly one of payload and problem is non-null. */
    record Decoded(byte[] payload, String problem) {
    }

    private CacheEntryFormat() {
    }

    static byte[] encode(KernelKey key, byte[] payload) {
        ByteBuffer b = ByteBuffer.allocate(HEADER_BYTES + payload.length);
        b.put(MAGIC).putInt(VERSION).putInt(0).put(key.bytes()).putLong(payload.length)
                .put(KernelKey.sha256().digest(payload)).putLong(0).put(payload);
        return b.array();
    }

    static Decoded decode(KernelKey expectedKey, byte[] file) {
        if (file.length < HEADER_BYTES) {
            return problem("truncated header: " + file.length + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(file);
        byte[] magic = new byte[MAGIC.length];
        b.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            return problem("bad magic");
        }
        int version = b.getInt();
        if (version != VERSION) {
            return problem("format version " + version + ", expected " + VERSION);
        }
        b.getInt();
        byte[] key = new byte[32];
        b.get(key);
        if (!MessageDigest.isEqual(key, expectedKey.bytes())) {
            return problem("entry belongs to another key than its file name says");
        }
        long length = b.getLong();
        if (length < 1 || length > MAX_PAYLOAD || length != file.length - HEADER_BYTES) {
            return problem("payload length " + length + " but " + (file.length - HEADER_BYTES) + " bytes present");
        }
        byte[] hash = new byte[32];
        b.get(hash);
        byte[] payload = Arrays.copyOfRange(file, HEADER_BYTES, file.length);
        if (!MessageDigest.isEqual(hash, KernelKey.sha256().digest(payload))) {
            return problem("payload SHA-256 mismatch");
        }
        return new Decoded(payload, null);
    }

    private static Decoded problem(String why) {
        return new Decoded(null, why);
    }
}
