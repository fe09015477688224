package org.e3spark.data;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** Random valid structures with every kind of pass-through property, for round-trip tests. */
public final class TestStructures {

    private TestStructures() {
    }

    /** Random structures with every kind of property, for round trips . */
    public static List<Structure> random(long seed, int count) {
        SplittableRandom rng = new SplittableRandom(seed);
        List<Structure> out = new ArrayList<>();
        for (int k = 0; k < count; k++) {
            int n = 1 + rng.nextInt(9);
            int[] z = new int[n];
            double[] pos = new double[3 * n];
            double[] forces = new double[3 * n];
            long[] tags = new long[n];
            boolean[] fixed = new boolean[n];
            String[] labels = new String[n];
            for (int i = 0; i < n; i++) {
                z[i] = 1 + rng.nextInt(Elements.MAX_Z);
                tags[i] = rng.nextLong();
                fixed[i] = rng.nextBoolean();
                labels[i] = "site" + rng.nextInt(100);
                for (int c = 0; c < 3; c++) {
                    pos[3 * i + c] = rng.nextGaussian() * 3;
                    forces[3 * i + c] = rng.nextGaussian();
                }
            }
            Cell cell = null;
            if (k % 3 != 0) {
                double[] rows = new double[9];
                for (int c = 0; c < 9; c++) {
                    rows[c] = (c % 4 == 0 ? 5 : 0) + rng.nextGaussian();
                }
                cell = new Cell(rows, new boolean[] {true, k % 3 == 1, rng.nextBoolean()});
            }
            Map<String, Property> info = new LinkedHashMap<>();
            info.put("energy", new Property.Real(rng.nextGaussian() * 100));
            info.put("step", new Property.Int(rng.nextInt(1000)));
            info.put("config_type", new Property.Text("bulk \"hot\" \\ phase"));
            info.put("relaxed", new Property.Bool(rng.nextBoolean()));
            info.put("stress", new Property.Reals(new double[] {rng.nextGaussian(), 1e-300, -0.0, 6.02e23, 1, 2, 3, 4, 5}));
            info.put("kpts", new Property.Ints(new long[] {4, 4, 1}));
            info.put("fix_axes", new Property.Bools(new boolean[] {true, false, true}));
            Map<String, Property> arrays = new LinkedHashMap<>();
            arrays.put("forces", new Property.Reals(forces));
            arrays.put("tags", new Property.Ints(tags));
            arrays.put("fixed", new Property.Bools(fixed));
            arrays.put("label", new Property.Texts(labels));
            out.add(new Structure(1000 + k, z, pos, cell, info, arrays));
        }
        return out;
    }
}
