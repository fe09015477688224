package org.e3spark.model.internal.mace;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.e3spark.kernels.CgConvention;
import org.e3spark.kernels.ConnectionMode;
import org.e3spark.kernels.Irrep;
import org.e3spark.kernels.Irreps;
import org.e3spark.kernels.MulIr;
import org.e3spark.kernels.TPProblem;

/**
 * The problem of mace's {@code conv_tp}, as {@code tp_out_irreps_with_instructions} builds it: every
 * (block i of the node features, block j of the edge harmonics, l_out of their product) whose
 * irrep is in the target irreps becomes a weighted uvu path with its own output block (mul of block
 * i); the output blocks are then sorted (e3nn's stable {@code Irreps.sort}: by l, odd before even,
 * then by creation) and the instructions re-labelled and ordered by their sorted output, which is
 * also the order of the per-edge weights the radial MLP produces. Normalizations are e3nn's
 * defaults (component, element); {@code shared_weights=False}.
 *
 * <p>The problem carries the model's CG convention ({@link TPProblem#cgConvention()}): under e3nn
 * 0.4.4's a path through a negated triple flips sign as a whole, folded into its coefficient so every
 * engine follows it. Natural-parity features (every published MACE) never meet such a path.
 */
final class ConvTensorProduct {

    private final TPProblem problem;
    private final List<int[]> triples;

    ConvTensorProduct(Irreps nodeIrreps, Irreps shIrreps, Irreps target, CgConvention convention) {
        record Path(int in1, int in2, int created, Irrep out, int mul) {
        }
        List<Path> paths = new ArrayList<>();
        for (int i = 0; i < nodeIrreps.size(); i++) {
            MulIr a = nodeIrreps.get(i);
            for (int j = 0; j < shIrreps.size(); j++) {
                Irrep b = shIrreps.get(j).irrep();
                int p = a.irrep().parity() * b.parity();
                for (int l = Math.abs(a.l() - b.l()); l <= a.l() + b.l(); l++) {
                    Irrep out = Irrep.of(l, p);
                    if (contains(target, out)) {
                        paths.add(new Path(i, j, paths.size(), out, a.mul()));
                    }
                }
            }
        }
        List<Path> sorted = new ArrayList<>(paths);
        sorted.sort(Comparator.comparing(Path::out).thenComparingInt(Path::created));
        List<MulIr> outBlocks = new ArrayList<>();
        for (Path p : sorted) {
            outBlocks.add(new MulIr(p.mul(), p.out()));
        }
        Irreps mid = Irreps.of(outBlocks);
        TPProblem.Builder b = TPProblem.builder(nodeIrreps, shIrreps, mid).cgConvention(convention);
        List<int[]> ts = new ArrayList<>();
        for (int k = 0; k < sorted.size(); k++) {
            Path p = sorted.get(k);
            b.instruction(p.in1(), p.in2(), k, ConnectionMode.UVU);
            ts.add(new int[] {nodeIrreps.get(p.in1()).l(), shIrreps.get(p.in2()).l(), p.out().l()});
        }
        this.problem = b.build();
        this.triples = List.copyOf(ts);
    }

    private static boolean contains(Irreps irreps, Irrep ir) {
        for (MulIr b : irreps.blocks()) {
            if (b.irrep().equals(ir) && b.mul() > 0) {
                return true;
            }
        }
        return false;
    }

    TPProblem problem() {
        return problem;
    }

    Irreps midIrreps() {
        return problem.out();
    }

    /** (l1, l2, l_out) of each instruction, in order. */
    List<int[]> triples() {
        return triples;
    }
}
