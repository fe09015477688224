package org.e3spark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.bundle.BundleTarget;
import org.e3spark.kernels.bundle.KernelSource;
import org.junit.jupiter.api.Test;

/**
 * Pins every kernel a featurizer of the bundled configs compiles (convolutions and the dense
 * stages), for CUDA and HIP targets: moving the featurizer's device code onto the GPU seam must
 * leave the generated text byte-identical (kernel cache keys, bundles).
 */
class FeaturizerSourcesUnchangedTest {

    @Test
    void featurizerKernelSourcesAreUnchanged() throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (String config : List.of("featurizer-small", "featurizer-medium")) {
            for (String arch : List.of("sm_90", "sm_80", "gfx90a", "gfx1030")) {
                for (KernelSource u : ModelKernels.forBundledConfig(config, List.of(DType.values()))
                        .sources(BundleTarget.of(arch))) {
                    md.update(u.programName().getBytes(StandardCharsets.UTF_8));
                    md.update((byte) 0);
                    md.update(String.join(" ", u.options()).getBytes(StandardCharsets.UTF_8));
                    md.update((byte) 0);
                    md.update(u.source().getBytes(StandardCharsets.UTF_8));
                    md.update((byte) 0);
                }
            }
        }
        assertEquals("621c0f91b9e61d3e9f6722db2757b3819b109819f3375d6f1a0c9f3fbf2ca9ef", HexFormat.of().formatHex(md.digest()), "generated featurizer kernels changed");
    }
}
