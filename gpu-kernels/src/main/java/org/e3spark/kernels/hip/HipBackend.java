package org.e3spark.kernels.hip;

import java.util.List;
import org.e3spark.kernels.BackendUnavailableException;

/**
 * {@link org.e3spark.kernels.Backend#HIP} as the factories see it. The HIP runtime binding
 * ({@link HipDevices}) and hiprtc ({@link Hiprtc}) work where ROCm is installed, and every generated
 * kernel compiles for gfx90a and gfx1030 in CI; nothing has run on AMD hardware yet. Where no AMD GPU
 * is present this fails with the runtime's reason (no library, no device); where one is, it says that
 * the HIP kernel path has not been brought up on the GPU seam yet, so {@code AUTO} moves on to the CPU.
 */
public final class HipBackend {

    private HipBackend() {
    }

    /** Always throws: the reason this process cannot run tensor-product kernels on an AMD GPU. */
    public static BackendUnavailableException unavailable(String what) {
        List<HipDevices.Device> devices;
        try {
            devices = HipDevices.list();
        } catch (HipUnavailableException e) {
            return e;
        }
        return new HipUnavailableException("HIP: " + devices.size() + " AMD GPU(s) present (" + devices.getFirst()
                + "), but " + what + " has not been brought up on HIP yet (no AMD GPU has been lent to test it)");
    }
}
