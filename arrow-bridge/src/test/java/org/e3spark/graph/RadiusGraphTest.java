package org.e3spark.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.e3spark.data.Cell;
import org.e3spark.data.SampleStructures;
import org.e3spark.data.Structure;
import org.junit.jupiter.api.Test;

class RadiusGraphTest {

    @Test
    void matchesBruteForceOnRandomTriclinicCells() {
        long seed = 20261123L;
        System.out.println("RadiusGraphTest seed " + seed);
        SplittableRandom rng = new SplittableRandom(seed);
        int small = 0;
        for (int trial = 0; trial < 300; trial++) {
            Random r = random(rng, trial);
            Structure s = r.structure();
            double[] cell = s.cell().orElseThrow().rows();
            boolean[] pbc = s.cell().orElseThrow().pbc();
            for (int k = 0; k < 3; k++) {
                double len = Math.sqrt(cell[3 * k] * cell[3 * k] + cell[3 * k + 1] * cell[3 * k + 1]
                        + cell[3 * k + 2] * cell[3 * k + 2]);
                if (pbc[k] && len < r.cutoff()) {
                    small++;
                    break;
                }
            }
            assertSameAsBruteForce(s, r.cutoff(), "trial " + trial + " seed " + seed);
        }
        assertTrue(small > 50, "cells smaller than the cutoff were exercised: " + small);
    }

    /** A random structure and cutoff: triclinic cell, mixed periodicity, atoms partly outside the cell. */
    private record Random(Structure structure, double cutoff) {
    }

    private static Random random(SplittableRandom rng, int trial) {
        double[] cell = new double[9];
        for (int k = 0; k < 3; k++) {
            double len = 0.8 + 7 * rng.nextDouble();
            cell[4 * k] = len;
            for (int c = 0; c < 3; c++) {
                if (c != k) {
                    cell[3 * k + c] = (rng.nextDouble() - 0.5) * 0.8 * len;
                }
            }
        }
        boolean[] pbc = {rng.nextDouble() < 0.75, rng.nextDouble() < 0.75, rng.nextDouble() < 0.75};
        if (trial % 10 == 3 && !pbc[2]) {
            cell[6] = 0; // a slab written with c = 0 on its non-periodic axis
            cell[7] = 0;
            cell[8] = 0;
        }
        int n = 1 + rng.nextInt(trial % 7 == 0 ? 40 : 12);
        double[] pos = new double[3 * n];
        for (int i = 0; i < n; i++) {
            double[] f = {rng.nextDouble() * 1.6 - 0.3, rng.nextDouble() * 1.6 - 0.3, rng.nextDouble() * 1.6 - 0.3};
            for (int c = 0; c < 3; c++) {
                pos[3 * i + c] = f[0] * cell[c] + f[1] * cell[3 + c] + f[2] * cell[6 + c]
                        + (cell[6] == 0 && cell[7] == 0 && cell[8] == 0 && c == 2 ? f[2] * 3 : 0);
            }
        }
        double cutoff = 1.0 + 4.0 * rng.nextDouble();
        return new Random(new Structure(trial, filled(n, 1), pos, new Cell(cell, pbc)), cutoff);
    }

    /**
     * The image frame bounds the search the GPU runs (every shift S of pair (i, j) with
     * ceil(-f - reach) <= S_k <= floor(-f + reach), f = fractional(x_j - x_i), S_k = 0 on open
     * axes): every edge the host finds lies inside it, on random triclinic cells and the samples.
     */
    @Test
    void imageFrameBoundsEveryEdgesShift() {
        SplittableRandom rng = new SplittableRandom(20261124L);
        int checked = 0;
        int multiImage = 0;
        for (int trial = 0; trial < 300; trial++) {
            Random r = random(rng, trial);
            checked += assertShiftsInsideFrame(r.structure(), r.cutoff(), "trial " + trial);
            RadiusGraph.ImageFrame f = new RadiusGraph(r.cutoff()).imageFrame(r.structure());
            multiImage += f.reach()[0] > 1 || f.reach()[1] > 1 || f.reach()[2] > 1 ? 1 : 0;
        }
        for (Structure s : SampleStructures.bundled()) {
            checked += assertShiftsInsideFrame(s, 5.0, "sample " + s.id());
        }
        assertTrue(checked > 10_000, "edges checked: " + checked);
        assertTrue(multiImage > 30, "frames reaching past the neighbouring image: " + multiImage);
        RadiusGraph.ImageFrame open = new RadiusGraph(4.0).imageFrame(new Structure(1, new int[] {1}, new double[3], null));
        assertTrue(open.reach()[0] < 0 && open.reach()[1] < 0 && open.reach()[2] < 0, "no images without a cell");
    }

    private static int assertShiftsInsideFrame(Structure s, double cutoff, String what) {
        RadiusGraph rg = new RadiusGraph(cutoff);
        EdgeList g = rg.build(s);
        RadiusGraph.ImageFrame f = rg.imageFrame(s);
        double[] x = s.positions();
        double[] inv = f.inverse();
        for (int e = 0; e < g.edgeCount(); e++) {
            int i = g.receiver(e);
            int j = g.sender(e);
            double[] d0 = {x[3 * j] - x[3 * i], x[3 * j + 1] - x[3 * i + 1], x[3 * j + 2] - x[3 * i + 2]};
            for (int k = 0; k < 3; k++) {
                int shift = g.shift(e, k);
                if (f.reach()[k] < 0) {
                    assertEquals(0, shift, what + ": edge " + e + " shifted along open axis " + k);
                    continue;
                }
                double fk = d0[0] * inv[k] + d0[1] * inv[3 + k] + d0[2] * inv[6 + k];
                assertTrue(shift >= Math.ceil(-fk - f.reach()[k]) && shift <= Math.floor(-fk + f.reach()[k]),
                        what + ": edge " + e + " shift " + shift + " on axis " + k + " outside the frame's reach "
                                + f.reach()[k] + " (f = " + fk + ")");
            }
        }
        return g.edgeCount();
    }

    private static void assertSameAsBruteForce(Structure s, double cutoff, String what) {
        EdgeList g = new RadiusGraph(cutoff).build(s);
        List<BruteForce.Edge> expected = BruteForce.edges(s, cutoff);
        assertEquals(expected.size(), g.edgeCount(), what + ": edge count");
        for (int e = 0; e < g.edgeCount(); e++) {
            BruteForce.Edge x = expected.get(e);
            String at = what + ": edge " + e;
            assertEquals(x.receiver(), g.receiver(e), at);
            assertEquals(x.sender(), g.sender(e), at);
            assertEquals(x.sa(), g.shift(e, 0), at);
            assertEquals(x.sb(), g.shift(e, 1), at);
            assertEquals(x.sc(), g.shift(e, 2), at);
            assertEquals(x.dx(), g.vector(e, 0), 0.0, at);
            assertEquals(x.dy(), g.vector(e, 1), 0.0, at);
            assertEquals(x.dz(), g.vector(e, 2), 0.0, at);
        }
    }

    static int[] filled(int n, int z) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, z);
        return a;
    }

    /** Neighbor count per distance shell (rounded to 1e-4 Å) of atom {@code atom}. */
    private static Map<Double, Integer> shells(EdgeList g, int atom) {
        Map<Double, Integer> out = new TreeMap<>();
        for (int e = 0; e < g.edgeCount(); e++) {
            if (g.receiver(e) == atom) {
                out.merge(Math.rint(g.length(e) * 1e4) / 1e4, 1, Integer::sum);
            }
        }
        return out;
    }

    private static void assertShells(Map<Double, Integer> actual, double[] radii, int[] counts, String what) {
        assertEquals(radii.length, actual.size(), what + ": shells " + actual);
        int k = 0;
        for (Map.Entry<Double, Integer> e : actual.entrySet()) {
            assertEquals(radii[k], e.getKey(), 2e-4, what + " shell " + k);
            assertEquals(counts[k], e.getValue(), what + " shell " + k + " at " + e.getKey());
            k++;
        }
    }

    @Test
    void fccShellsInAOneAtomCellSmallerThanTheCutoff() {
        double a = 3.615;
        Structure cu = SampleStructures.fccPrimitive(29, a);
        EdgeList g = new RadiusGraph(5.3).build(cu);
        double[] radii = {a / Math.sqrt(2), a, a * Math.sqrt(1.5), a * Math.sqrt(2)};
        assertShells(shells(g, 0), radii, new int[] {12, 6, 24, 12}, "fcc primitive");
        for (int e = 0; e < g.edgeCount(); e++) {
            assertEquals(0, g.sender(e)); // only self-images, each with a nonzero shift
            assertTrue(g.shift(e, 0) != 0 || g.shift(e, 1) != 0 || g.shift(e, 2) != 0);
        }
        Structure conventional = SampleStructures.fccConventional(29, a, 1);
        EdgeList gc = new RadiusGraph(5.3).build(conventional);
        for (int atom = 0; atom < 4; atom++) {
            assertShells(shells(gc, atom), radii, new int[] {12, 6, 24, 12}, "fcc conventional atom " + atom);
        }
    }

    @Test
    void diamondShells() {
        double a = 3.567;
        double[] radii = {a * Math.sqrt(3) / 4, a / Math.sqrt(2), a * Math.sqrt(11) / 4, a, a * Math.sqrt(19) / 4};
        int[] counts = {4, 12, 12, 6, 12};
        for (int reps = 1; reps <= 2; reps++) {
            Structure d = SampleStructures.diamond(a, reps);
            EdgeList g = new RadiusGraph(4.0).build(d);
            for (int atom = 0; atom < d.atomCount(); atom++) {
                assertShells(shells(g, atom), radii, counts, "diamond " + reps + " atom " + atom);
            }
            assertEquals(46 * d.atomCount(), g.edgeCount());
        }
    }

    @Test
    void isolatedMoleculeHasNoShiftsAndMatchesBruteForce() {
        for (Structure m : List.of(SampleStructures.methane(), SampleStructures.ethanol(), SampleStructures.benzene())) {
            EdgeList g = new RadiusGraph(5.0).build(m);
            int n = m.atomCount();
            assertEquals(n * (n - 1), g.edgeCount(), "a 5 Å cutoff connects every pair of a small molecule");
            for (int e = 0; e < g.edgeCount(); e++) {
                assertEquals(0, g.shift(e, 0) | g.shift(e, 1) | g.shift(e, 2));
            }
            assertSameAsBruteForce(m, 1.2, "molecule bonds to H");
        }
        EdgeList bonds = new RadiusGraph(1.2).build(SampleStructures.methane());
        assertEquals(8, bonds.edgeCount(), "four C-H bonds, both directions");
    }

    @Test
    void edgesComeInBothDirectionsAndSampleStructuresMatchBruteForce() {
        for (Structure s : SampleStructures.bundled()) {
            EdgeList g = new RadiusGraph(4.5).build(s);
            assertSameAsBruteForce(s, 4.5, "sample " + s.id());
            java.util.Set<String> set = new java.util.HashSet<>();
            for (int e = 0; e < g.edgeCount(); e++) {
                set.add(g.receiver(e) + " " + g.sender(e) + " " + g.shift(e, 0) + " " + g.shift(e, 1) + " " + g.shift(e, 2));
            }
            for (int e = 0; e < g.edgeCount(); e++) {
                assertTrue(set.contains(g.sender(e) + " " + g.receiver(e) + " " + -g.shift(e, 0) + " " + -g.shift(e, 1)
                        + " " + -g.shift(e, 2)), "reverse of edge " + e + " of sample " + s.id());
            }
        }
    }

    @Test
    void badCutoffsAndAbsurdImageCountsAreErrors() {
        assertThrows(IllegalArgumentException.class, () -> new RadiusGraph(0));
        assertThrows(IllegalArgumentException.class, () -> new RadiusGraph(Double.NaN));
        Structure tiny = new Structure(0, new int[] {1}, new double[3], Cell.orthorhombic(0.01, 0.01, 0.01));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RadiusGraph(6).build(tiny));
        assertTrue(e.getMessage().contains("images"), e.getMessage());
    }
}
