package org.e3spark.kernels.bundle;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.e3spark.kernels.gpu.GpuTarget;

/**
 * An architecture a bundle is built for, and the device description kernels are generated against
 * there (no GPU is present when a bundle is built). The planner's decisions, and so the source text,
 * depend on the shared memory a block may opt in to and a multiprocessor holds: these are properties
 * of the compute capability (CUDA C++ Programming Guide, "Technical Specifications per Compute
 * Capability"), the same on every SKU of an architecture, so the table below gives the values the
 * device reports at run time. The multiprocessor count differs per SKU but shapes only the launch
 * grid, never the text (the generator writes grid limits per multiprocessor), so a nominal count is
 * used. Should a device report other numbers than the table, its run-time source differs, the lookup
 * misses (reported once) and the kernel is compiled as without a bundle: a safe miss, never a wrong hit.
 *
 * @param arch    {@code sm_XY} or {@code gfxNNN}
 * @param target  what the generator plans for
 */
public record BundleTarget(String arch, GpuTarget target) implements Comparable<BundleTarget> {

    private static final Pattern SM = Pattern.compile("sm_[1-9][0-9]?[0-9]");
    private static final Pattern GFX = Pattern.compile("gfx[0-9]{2,3}[0-9a-f]");

    /** sm_XY -> {opt-in shared memory per block, shared memory per multiprocessor}, KiB. */
    private static final Map<String, int[]> CUDA_SMEM = Map.ofEntries(
            Map.entry("sm_70", new int[]{96, 96}), Map.entry("sm_75", new int[]{64, 64}),
            Map.entry("sm_80", new int[]{163, 164}), Map.entry("sm_86", new int[]{99, 100}),
            Map.entry("sm_87", new int[]{163, 164}), Map.entry("sm_89", new int[]{99, 100}),
            Map.entry("sm_90", new int[]{227, 228}), Map.entry("sm_100", new int[]{227, 228}),
            Map.entry("sm_103", new int[]{227, 228}), Map.entry("sm_120", new int[]{99, 100}));

    /** gfx -> wavefront width; LDS is 64 KiB per workgroup on all of them. */
    private static final Map<String, Integer> HIP_WAVE = Map.of("gfx908", 64, "gfx90a", 64, "gfx940", 64,
            "gfx941", 64, "gfx942", 64, "gfx1030", 32, "gfx1100", 32);

    public BundleTarget {
        if (!target.arch().equals(arch)) {
            throw new IllegalArgumentException("target " + target.arch() + " for arch " + arch);
        }
    }

    /** The target of one architecture name; unknown names are errors listing the known ones. */
    public static BundleTarget of(String name) {
        String arch = name.strip().toLowerCase(Locale.ROOT);
        if (SM.matcher(arch).matches()) {
            int[] smem = CUDA_SMEM.get(arch);
            if (smem == null) {
                throw new IllegalArgumentException("no shared-memory figures for " + arch + "; known CUDA architectures: "
                        + CUDA_SMEM.keySet().stream().sorted(BundleTarget::byNumber).toList());
            }
            return new BundleTarget(arch, new GpuTarget(GpuTarget.Dialect.CUDA, arch, 32, 132, smem[0] * 1024,
                    smem[1] * 1024));
        }
        if (GFX.matcher(arch).matches()) {
            Integer wave = HIP_WAVE.get(arch);
            if (wave == null) {
                throw new IllegalArgumentException("no wavefront figure for " + arch + "; known AMD targets: "
                        + HIP_WAVE.keySet().stream().sorted().toList());
            }
            return new BundleTarget(arch, new GpuTarget(GpuTarget.Dialect.HIP, arch, wave, 110, 64 * 1024, 64 * 1024));
        }
        throw new IllegalArgumentException("not an architecture name (sm_XY or gfxNNN): '" + name + "'");
    }

    /** A comma-separated list, duplicates dropped, sorted (CUDA by number, then AMD). */
    public static List<BundleTarget> parseList(String list) {
        LinkedHashSet<BundleTarget> out = new LinkedHashSet<>();
        for (String s : list.split(",")) {
            if (!s.isBlank()) {
                out.add(of(s));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no architecture named");
        }
        List<BundleTarget> sorted = new ArrayList<>(out);
        sorted.sort(null);
        return List.copyOf(sorted);
    }

    public boolean isCuda() {
        return target.dialect() == GpuTarget.Dialect.CUDA;
    }

    /** {@code sm_90} -> 90, {@code sm_100} -> 100; -1 for AMD targets. */
    public int smNumber() {
        return isCuda() ? Integer.parseInt(arch.substring(3)) : -1;
    }

    static int byNumber(String a, String b) {
        return Integer.compare(Integer.parseInt(a.substring(3)), Integer.parseInt(b.substring(3)));
    }

    @Override
    public int compareTo(BundleTarget o) {
        if (isCuda() != o.isCuda()) {
            return isCuda() ? -1 : 1;
        }
        return isCuda() ? Integer.compare(smNumber(), o.smNumber()) : arch.compareTo(o.arch);
    }
}
