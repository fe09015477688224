package org.e3spark.kernels.internal.cache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KernelKeyTest {

    private static final String SRC = "extern \"C\" __global__ void k(float* x) { x[0] = 1.0f; }";
    private static final List<String> OPTS = List.of("--gpu-architecture=sm_90", "-default-device");

    @Test
    void keyIsTheFullSha256InLowercaseHex() {
        KernelKey key = KernelKey.of(SRC, "sm_90", "nvrtc-13.0", OPTS);
        assertEquals(64, key.sha256Hex().length());
        assertTrue(key.sha256Hex().matches("[0-9a-f]{64}"));
    }

    @Test
    void sameInputsGiveTheSameKey() {
        assertEquals(KernelKey.of(SRC, "sm_90", "nvrtc-13.0", OPTS), KernelKey.of(SRC, "sm_90", "nvrtc-13.0", OPTS));
    }

    @Test
    void keyChangesWhenSourceArchCompilerOrOptionsChange() {
        Set<KernelKey> keys = new HashSet<>();
        keys.add(KernelKey.of(SRC, "sm_90", "nvrtc-13.0", OPTS));
        keys.add(KernelKey.of(SRC + " ", "sm_90", "nvrtc-13.0", OPTS));
        keys.add(KernelKey.of(SRC, "sm_80", "nvrtc-13.0", OPTS));
        keys.add(KernelKey.of(SRC, "sm_90", "nvrtc-12.6", OPTS));
        keys.add(KernelKey.of(SRC, "sm_90", "nvrtc-13.0", List.of("--gpu-architecture=sm_90")));
        keys.add(KernelKey.of(SRC, "sm_90", "nvrtc-13.0", List.of("-default-device", "--gpu-architecture=sm_90")));
        assertEquals(6, keys.size());
    }

    @Test
    void lengthPrefixedFieldsCannotCollideByConcatenation() {
        assertNotEquals(KernelKey.of("s", "a", "c", List.of("-a", "b")), KernelKey.of("s", "a", "c", List.of("-ab")));
        assertNotEquals(KernelKey.of("ab", "c", "x", List.of()), KernelKey.of("a", "bc", "x", List.of()));
        assertNotEquals(KernelKey.of("s", "a", "c", List.of()), KernelKey.of("s", "a", "c", List.of("")));
        assertNotEquals(KernelKey.of("s", "a", "c", List.of("")), KernelKey.of("s", "a", "c", List.of("", "")));
    }

    @Test
    void malformedKeysAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new KernelKey("abc"));
        assertThrows(IllegalArgumentException.class, () -> new KernelKey("G".repeat(64)));
        assertThrows(IllegalArgumentException.class, () -> new KernelKey("A".repeat(64)));
    }
}
