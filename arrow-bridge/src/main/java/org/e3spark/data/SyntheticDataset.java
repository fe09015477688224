package org.e3spark.data;

import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * A seeded stream of synthetic but plausible structures for benchmarks, built from
 * {@link SampleStructures}: strained (triclinic) and thermally displaced FCC metal and diamond
 * supercells, water boxes, and randomly rotated isolated molecules, 5 to 256 atoms each. The
 * same seed and count give the same structures on every machine (ids 0..count-1).
 */
public final class SyntheticDataset implements Iterator<Structure> {

    private static final int[] METALS = {13, 28, 29, 46, 47, 78, 79};
    private static final double[] METAL_A = {4.05, 3.52, 3.615, 3.89, 4.09, 3.92, 4.08};

    private final SplittableRandom rng;
    private final long count;
    private long produced;

    public SyntheticDataset(long seed, long count) {
        if (count < 0) {
            throw new IllegalArgumentException("structure count must be >= 0, got " + count);
        }
        this.rng = new SplittableRandom(seed);
        this.count = count;
    }

    @Override
    public boolean hasNext() {
        return produced < count;
    }

    @Override
    public Structure next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        long id = produced++;
        double u = rng.nextDouble();
        Structure base;
        String type;
        if (u < 0.40) {
            int m = rng.nextInt(METALS.length);
            base = SampleStructures.fccConventional(METALS[m], METAL_A[m], 2 + rng.nextInt(3));
            type = "fcc-" + Elements.symbol(METALS[m]);
        } else if (u < 0.60) {
            boolean silicon = rng.nextBoolean();
            base = SampleStructures.diamond(silicon ? 5.431 : 3.567, 1 + rng.nextInt(3));
            if (silicon) {
                int[] z = base.numbers();
                java.util.Arrays.fill(z, 14);
                base = new Structure(0, z, base.positions(), base.cell().orElseThrow());
            }
            type = silicon ? "diamond-Si" : "diamond-C";
        } else if (u < 0.85) {
            base = SampleStructures.waterBox(2 + rng.nextInt(3), rng.nextLong());
            type = "water";
        } else {
            Structure[] molecules = {SampleStructures.methane(), SampleStructures.ethanol(), SampleStructures.benzene()};
            base = molecules[rng.nextInt(3)];
            type = "molecule";
        }
        return perturb(base, id, type);
    }

    /** Strains the cell (up to 4% shear, so periodic cells become triclinic) and displaces atoms. */
    private Structure perturb(Structure s, long id, String type) {
        double[] strain = {1, 0, 0, 0, 1, 0, 0, 0, 1};
        for (int k = 0; k < 9; k++) {
            strain[k] += 0.04 * (2 * rng.nextDouble() - 1);
        }
        double[] rot = SampleStructures.randomRotation(rng);
        double[] m = s.periodic() ? strain : rot;
        double[] pos = transform(s.positions(), m);
        for (int k = 0; k < pos.length; k++) {
            pos[k] += 0.05 * rng.nextGaussian();
        }
        Cell cell = s.cell().map(c -> new Cell(transform(c.rows(), m), c.pbc())).orElse(null);
        return new Structure(id, s.numbers(), pos, cell, Map.of("config_type", new Property.Text(type)), Map.of());
    }

    private static double[] transform(double[] rows, double[] m) {
        double[] out = new double[rows.length];
        for (int i = 0; i < rows.length / 3; i++) {
            for (int c = 0; c < 3; c++) {
                out[3 * i + c] = rows[3 * i] * m[c] + rows[3 * i + 1] * m[3 + c] + rows[3 * i + 2] * m[6 + c];
            }
        }
        return out;
    }

    /**
     * The first {@code n} structures of the seed's stream whose atom count is in [min, max], renumbered
     * 0..n-1 (the benchmarks' datasets).
     */
    public static java.util.List<Structure> take(long seed, int n, int min, int max) {
        java.util.List<Structure> out = new java.util.ArrayList<>(n);
        SyntheticDataset d = new SyntheticDataset(seed, Long.MAX_VALUE);
        long id = 0;
        while (out.size() < n) {
            Structure s = d.next();
            if (s.atomCount() >= min && s.atomCount() <= max) {
                out.add(s.withId(id++));
            }
        }
        return out;
    }
}
