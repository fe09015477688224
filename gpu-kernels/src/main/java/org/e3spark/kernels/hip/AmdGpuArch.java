package org.e3spark.kernels.hip;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An AMD GPU target: the LLVM processor name ({@code gfx90a} for the MI250X's CDNA2, {@code gfx942}
 * for the MI300, {@code gfx1030} for RDNA2, ...) and the wavefront size kernels are compiled for.
 * GCN and CDNA ({@code gfx9xx} and older) run 64-wide wavefronts only; RDNA ({@code gfx10xx} and
 * newer) runs 32 natively and 64 on request. Generated kernels bake the width into lane arithmetic,
 * so it is part of the target, the compile options and the cache key.
 *
 * @param gfxName the processor name, e.g. {@code gfx90a}
 * @param wavefrontSize 32 or 64, and 64 on GCN/CDNA
 */
public record AmdGpuArch(String gfxName, int wavefrontSize) {

    private static final Pattern GFX = Pattern.compile("gfx(\\d{1,2})([0-9a-f])([0-9a-f])");

    /** AMD Instinct MI250X (CDNA2). */
    public static final AmdGpuArch GFX90A = new AmdGpuArch("gfx90a", 64);

    public AmdGpuArch {
        if (gfxName == null || !GFX.matcher(gfxName).matches()) {
            throw new IllegalArgumentException("not an AMD gfx processor name (e.g. gfx90a, gfx1030): '" + gfxName + "'");
        }
        if (wavefrontSize != 32 && wavefrontSize != 64) {
            throw new IllegalArgumentException("wavefront size must be 32 or 64, got " + wavefrontSize);
        }
        if (wavefrontSize == 32 && majorOf(gfxName) < 10) {
            throw new IllegalArgumentException(gfxName + " (GCN/CDNA) runs 64-wide wavefronts only");
        }
    }

    /** {@code gfxName} at its native wavefront size: 64 on GCN/CDNA, 32 on RDNA. */
    public static AmdGpuArch of(String gfxName) {
        if (gfxName == null || !GFX.matcher(gfxName).matches()) {
            throw new IllegalArgumentException("not an AMD gfx processor name (e.g. gfx90a, gfx1030): '" + gfxName + "'");
        }
        return new AmdGpuArch(gfxName, majorOf(gfxName) >= 10 ? 32 : 64);
    }

    /** The GFX major version: 9 for GCN5/CDNA, 10 and 11 for RDNA 1-3. */
    public int major() {
        return majorOf(gfxName);
    }

    /** True for RDNA ({@code gfx10xx} and newer), where the wavefront size is a compile option. */
    public boolean selectableWavefront() {
        return major() >= 10;
    }

    private static int majorOf(String gfxName) {
        Matcher m = GFX.matcher(gfxName);
        if (!m.matches()) {
            throw new IllegalArgumentException("not an AMD gfx processor name: '" + gfxName + "'");
        }
        return Integer.parseInt(m.group(1));
    }

    @Override
    public String toString() {
        return gfxName + " (wave" + wavefrontSize + ")";
    }
}
