package org.e3spark.kernels;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The named benchmark problems of SPEC §9 (OpenEquivariance's suite), shared by tests and
 * benchmarks, and the two factories that build them:
 * {@link #channelwise(String, String, String)} (MACE/NequIP uvu convolutions) and
 * {@link #fullyConnected(String, String, String, boolean)} (e3nn's FullyConnectedTensorProduct).
 */
public final class ProblemCatalog {

    private ProblemCatalog() {
    }

    /**
     * CW(a, b, filter): one uvu instruction and one output block (mul of a's block) per allowed
     * (block of a, block of b, lo in filter); output blocks then stably sorted by irrep (l, odd before
     * even) with the instructions remapped; per-row weights. Instructions stay in (i1, i2, lo) order.
     */
    public static TPProblem channelwise(String a, String b, String filter) {
        Irreps in1 = Irreps.parse(a);
        Irreps in2 = Irreps.parse(b);
        List<Irrep> allowed = new ArrayList<>();
        for (MulIr f : Irreps.parse(filter).blocks()) {
            if (!allowed.contains(f.irrep())) {
                allowed.add(f.irrep());
            }
        }
        List<MulIr> outBlocks = new ArrayList<>();
        List<int[]> raw = new ArrayList<>();
        for (int i1 = 0; i1 < in1.size(); i1++) {
            for (int i2 = 0; i2 < in2.size(); i2++) {
                Irrep r1 = in1.get(i1).irrep();
                Irrep r2 = in2.get(i2).irrep();
                for (int l = Math.abs(r1.l() - r2.l()); l <= r1.l() + r2.l(); l++) {
                    Irrep lo = Irrep.of(l, r1.parity() * r2.parity());
                    if (allowed.contains(lo)) {
                        raw.add(new int[] {i1, i2, outBlocks.size()});
                        outBlocks.add(new MulIr(in1.get(i1).mul(), lo));
                    }
                }
            }
        }
        Integer[] order = new Integer[outBlocks.size()];
        for (int k = 0; k < order.length; k++) {
            order[k] = k;
        }
        java.util.Arrays.sort(order, Comparator.comparing(k -> outBlocks.get(k).irrep()));
        int[] newIndex = new int[order.length];
        List<MulIr> sorted = new ArrayList<>();
        for (int k = 0; k < order.length; k++) {
            newIndex[order[k]] = k;
            sorted.add(outBlocks.get(order[k]));
        }
        TPProblem.Builder builder = TPProblem.builder(in1, in2, Irreps.of(sorted)).sharedWeights(false);
        for (int[] r : raw) {
            builder.instruction(r[0], r[1], newIndex[r[2]], ConnectionMode.UVU);
        }
        return builder.build();
    }

    /** FC(a, b, c): a weighted uvw instruction for every (i1, i2, io) whose irreps couple, in that loop order. */
    public static TPProblem fullyConnected(String a, String b, String c, boolean sharedWeights) {
        Irreps in1 = Irreps.parse(a);
        Irreps in2 = Irreps.parse(b);
        Irreps out = Irreps.parse(c);
        TPProblem.Builder builder = TPProblem.builder(in1, in2, out).sharedWeights(sharedWeights);
        for (int i1 = 0; i1 < in1.size(); i1++) {
            for (int i2 = 0; i2 < in2.size(); i2++) {
                for (int io = 0; io < out.size(); io++) {
                    if (out.get(io).irrep().isInProductOf(in1.get(i1).irrep(), in2.get(i2).irrep())) {
                        builder.instruction(i1, i2, io, ConnectionMode.UVW);
                    }
                }
            }
        }
        return builder.build();
    }

    /** The SPEC §9 tensor-product problems by name, in the table's order (the convolution is not a plain TP). */
    public static Map<String, TPProblem> benchmarks() {
        Map<String, TPProblem> m = new LinkedHashMap<>();
        m.put("mace-large", channelwise("128x0e+128x1o+128x2e", "1x0e+1x1o+1x2e+1x3o", "128x0e+128x1o+128x2e+128x3o"));
        m.put("mace-medium", channelwise("128x0e+128x1o", "1x0e+1x1o+1x2e+1x3o", "128x0e+128x1o+128x2e"));
        String lips = "32x0o+32x0e+32x1o+32x1e+32x2o+32x2e";
        m.put("nequip-lips", channelwise(lips, "0e+1o+2e", lips));
        String benzene = "64x0o+64x0e+64x1o+64x1e+64x2o+64x2e+64x3o+64x3e";
        m.put("nequip-revmd17-benzene", channelwise(benzene, "0e+1o+2e+3o", benzene));
        String water = "32x0o+32x0e+32x1o+32x1e";
        m.put("nequip-water", channelwise(water, "0e+1o", water));
        String dd = "10x1o+10x1e+48x0e+48x0o";
        m.put("DiffDock-L=2", fullyConnected(dd, "1x0e+1x1o+1x2e", dd, false));
        m.put("tetris-poly-2", fullyConnected("64x0e+24x1e+24x1o+16x2e+16x2o", "1x0e+1x1o+1x2e", "0o+6x0e", true));
        return m;
    }
}
