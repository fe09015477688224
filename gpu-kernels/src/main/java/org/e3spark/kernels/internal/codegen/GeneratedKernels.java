package org.e3spark.kernels.internal.codegen;

import org.e3spark.kernels.gpu.GpuTarget;

import java.util.List;
import java.util.Objects;

/**
 * What the generator hands the driver layer: one translation unit and, per kernel in it, the entry
 * name, how to launch it and which buffers must be zeroed first.
 *
 * @param source the complete source text (prelude included), ready for NVRTC or hiprtc
 * @param target the device the schedules were planned for
 * @param entries one per generated kernel, in the order they appear in the source
 */
public record GeneratedKernels(String source, GpuTarget target, List<Entry> entries) {

    public GeneratedKernels {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(target, "target");
        entries = List.copyOf(entries);
    }

    /**
     * One kernel of the unit.
     *
     * @param name the {@code extern "C"} symbol (stable: {@link KernelKind#entryName()})
     * @param launch block, grid as a function of batch, dynamic shared memory
     * @param zeroFirst buffer parameter names the caller must zero before launching (e.g. "gw" of a
     *     shared-weight backward); no second reduction kernel is ever needed
     * @param unitsPerRow warp work units per batch row (per work item of a convolution): the grid is
     *     {@code launch.gridFor(rows * unitsPerRow)}; 1 except for the convolution forward, whose
     *     warps each take one output segment of an item
     */
    public record Entry(String name, KernelKind kind, LaunchConfig launch, List<String> zeroFirst, int unitsPerRow) {

        public Entry {
            zeroFirst = List.copyOf(zeroFirst);
            if (unitsPerRow < 1) {
                throw new IllegalArgumentException("units per row must be >= 1, got " + unitsPerRow);
            }
        }
    }

    /** The entry of the given kind. */
    public Entry entry(KernelKind kind) {
        return entries.stream().filter(e -> e.kind() == kind).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no " + kind + " kernel generated"));
    }
}
