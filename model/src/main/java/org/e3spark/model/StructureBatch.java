package org.e3spark.model;

import java.util.List;
import org.e3spark.data.Structure;
import org.e3spark.graph.RadiusGraph;

/**
 * Structures checked against a featurizer's species and packed for a {@link Featurizer.Pipeline}:
 * atoms of structure k at {@code nodeOffsets[k] .. nodeOffsets[k+1]-1}, each atom's species index,
 * positions, its structure, and per structure the frame of its periodic images (cell rows, inverse,
 * reach per axis; see {@link RadiusGraph.ImageFrame}). No graph: where the featurizer can, it
 * searches neighbours on the GPU, so this is all the host prepares for a batch. Built by
 * {@link Featurizer#prepare(List)} (pure host work, safe on any thread); immutable by convention,
 * the arrays are not copied again.
 */
public final class StructureBatch {

    /** Doubles per structure frame: cell rows (9), inverse (9), reach per axis (3, negative when open). */
    public static final int FRAME_DOUBLES = 21;

    /**
     * Structures larger than this take the host's cell-list search: the device search is brute
     * force within a structure, quadratic in its atoms.
     */
    public static final int DEVICE_SEARCH_MAX_ATOMS = 4096;

    private final List<Structure> structures;
    private final long[] structureIds;
    private final int[] nodeOffsets;
    private final int[] speciesIndex;
    private final double[] positions;
    private final int[] structureOf;
    private final double[] frames;
    private final boolean deviceSearch;
    private final long prepareNanos;

    private StructureBatch(List<Structure> structures, long[] structureIds, int[] nodeOffsets, int[] speciesIndex,
                           double[] positions, int[] structureOf, double[] frames, boolean deviceSearch,
                           long prepareNanos) {
        this.structures = structures;
        this.structureIds = structureIds;
        this.nodeOffsets = nodeOffsets;
        this.speciesIndex = speciesIndex;
        this.positions = positions;
        this.structureOf = structureOf;
        this.frames = frames;
        this.deviceSearch = deviceSearch;
        this.prepareNanos = prepareNanos;
    }

    /**
     * Checks and packs structures for a featurizer of {@code model} (the same as
     * {@link Featurizer#prepare}, without needing one at hand): host work, safe on any thread.
     */
    public static StructureBatch of(List<Structure> structures, FeaturizerModel model) {
        FeaturizerConfig config = model.config();
        long t0 = System.nanoTime();
        if (structures == null || structures.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one structure");
        }
        List<Structure> list = List.copyOf(structures);
        int s = list.size();
        long[] ids = new long[s];
        int[] offsets = new int[s + 1];
        boolean small = true;
        for (int k = 0; k < s; k++) {
            Structure st = list.get(k);
            model.checkSpecies(st);
            ids[k] = st.id();
            offsets[k + 1] = Math.addExact(offsets[k], st.atomCount());
            small &= st.atomCount() <= DEVICE_SEARCH_MAX_ATOMS;
        }
        int n = offsets[s];
        int[] species = new int[n];
        double[] positions = new double[3 * n];
        int[] structureOf = new int[n];
        double[] frames = new double[FRAME_DOUBLES * s];
        RadiusGraph search = config.radiusGraph();
        for (int k = 0; k < s; k++) {
            Structure st = list.get(k);
            int first = offsets[k];
            for (int i = 0; i < st.atomCount(); i++) {
                species[first + i] = model.speciesIndex(st.number(i)); // checked above
                structureOf[first + i] = k;
                for (int a = 0; a < 3; a++) {
                    positions[3 * (first + i) + a] = st.position(i, a);
                }
            }
            RadiusGraph.ImageFrame f = search.imageFrame(st);
            System.arraycopy(f.rows(), 0, frames, FRAME_DOUBLES * k, 9);
            System.arraycopy(f.inverse(), 0, frames, FRAME_DOUBLES * k + 9, 9);
            System.arraycopy(f.reach(), 0, frames, FRAME_DOUBLES * k + 18, 3);
        }
        return new StructureBatch(list, ids, offsets, species, positions, structureOf, frames, small,
                System.nanoTime() - t0);
    }

    public List<Structure> structures() {
        return structures;
    }

    public int structureCount() {
        return structureIds.length;
    }

    public int atomCount() {
        return speciesIndex.length;
    }

    long[] structureIds() {
        return structureIds;
    }

    int[] nodeOffsets() {
        return nodeOffsets;
    }

    int[] speciesIndex() {
        return speciesIndex;
    }

    double[] positions() {
        return positions;
    }

    int[] structureOf() {
        return structureOf;
    }

    double[] frames() {
        return frames;
    }

    /** False when a structure is too large for the device's brute-force search. */
    boolean deviceSearch() {
        return deviceSearch;
    }

    long prepareNanos() {
        return prepareNanos;
    }
}
