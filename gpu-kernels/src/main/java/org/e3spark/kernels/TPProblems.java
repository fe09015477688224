package org.e3spark.kernels;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Factories for the common kinds of tensor product, as e3nn's {@code _sub.py}: each only builds an
 * instruction list for the general {@link TPProblem}.
 */
public final class TPProblems {

    private TPProblems() {
    }

    /**
     * NequIP/MACE "channelwise" convolution problem CW(a, b, filter): one uvu instruction and one
     * output block (multiplicity of a's block) for every block of a, block of b and output irrep of
     * their product that appears in {@code filter}; the output blocks are then sorted stably by
     * irrep (l, odd before even) and the instructions renumbered. Per-row weights.
     */
    public static TPProblem channelwise(Irreps a, Irreps b, Irreps filter) {
        record Pending(int in1, int in2, MulIr block) {
        }
        List<Pending> pending = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            Irrep ia = a.get(i).irrep();
            for (int j = 0; j < b.size(); j++) {
                Irrep ib = b.get(j).irrep();
                for (int l = Math.abs(ia.l() - ib.l()); l <= ia.l() + ib.l(); l++) {
                    Irrep io = new Irrep(l, ia.parity() * ib.parity());
                    if (contains(filter, io)) {
                        pending.add(new Pending(i, j, new MulIr(a.get(i).mul(), io)));
                    }
                }
            }
        }
        // Stable sort of the output blocks; position[k] is where pending block k lands.
        List<Integer> order = new ArrayList<>();
        for (int k = 0; k < pending.size(); k++) {
            order.add(k);
        }
        order.sort(Comparator.comparing(k -> pending.get(k).block().irrep()));
        int[] position = new int[pending.size()];
        List<MulIr> outBlocks = new ArrayList<>();
        for (int n = 0; n < order.size(); n++) {
            position[order.get(n)] = n;
            outBlocks.add(pending.get(order.get(n)).block());
        }
        TPProblem.Builder builder = TPProblem.builder(a, b, Irreps.of(outBlocks)).sharedWeights(false);
        for (int k = 0; k < pending.size(); k++) {
            builder.instruction(pending.get(k).in1(), pending.get(k).in2(), position[k], ConnectionMode.UVU, true, 1.0);
        }
        return builder.build();
    }

    /**
     * Fully connected FC(a, b, c): a uvw instruction for every (block of a, block of b, block of c)
     * allowed by the product rule, e3nn's {@code FullyConnectedTensorProduct}.
     */
    public static TPProblem fullyConnected(Irreps a, Irreps b, Irreps c, boolean sharedWeights) {
        TPProblem.Builder builder = TPProblem.builder(a, b, c).sharedWeights(sharedWeights);
        for (int i = 0; i < a.size(); i++) {
            for (int j = 0; j < b.size(); j++) {
                for (int k = 0; k < c.size(); k++) {
                    if (c.get(k).irrep().isInProductOf(a.get(i).irrep(), b.get(j).irrep())) {
                        builder.instruction(i, j, k, ConnectionMode.UVW, true, 1.0);
                    }
                }
            }
        }
        return builder.build();
    }

    private static boolean contains(Irreps irreps, Irrep ir) {
        for (MulIr b : irreps.blocks()) {
            if (b.irrep().equals(ir)) {
                return true;
            }
        }
        return false;
    }
}
