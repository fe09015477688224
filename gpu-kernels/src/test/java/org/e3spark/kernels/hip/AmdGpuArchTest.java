package org.e3spark.kernels.hip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AmdGpuArchTest {

    @Test
    void cdnaIsWave64AndRdnaDefaultsToWave32() {
        assertEquals(new AmdGpuArch("gfx90a", 64), AmdGpuArch.of("gfx90a"));
        assertEquals(new AmdGpuArch("gfx942", 64), AmdGpuArch.of("gfx942"));
        assertEquals(new AmdGpuArch("gfx1030", 32), AmdGpuArch.of("gfx1030"));
        assertEquals(9, AmdGpuArch.GFX90A.major());
        assertEquals(11, AmdGpuArch.of("gfx1100").major());
        assertFalse(AmdGpuArch.GFX90A.selectableWavefront());
        assertTrue(AmdGpuArch.of("gfx1030").selectableWavefront());
    }

    @Test
    void invalidTargetsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new AmdGpuArch("gfx90a", 32));
        assertThrows(IllegalArgumentException.class, () -> new AmdGpuArch("gfx1030", 16));
        assertThrows(IllegalArgumentException.class, () -> AmdGpuArch.of("sm_90"));
        assertThrows(IllegalArgumentException.class, () -> AmdGpuArch.of("gfx90a:xnack-"));
        assertThrows(IllegalArgumentException.class, () -> AmdGpuArch.of(null));
    }
}
