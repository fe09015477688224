package org.e3spark.kernels.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.e3spark.kernels.ConnectionMode;
import org.e3spark.kernels.Instruction;
import org.e3spark.kernels.Irrep;
import org.e3spark.kernels.Irreps;
import org.e3spark.kernels.Layout;
import org.e3spark.kernels.MulIr;
import org.e3spark.kernels.TPProblem;

/**
 * Random valid problems with what the goldens lack: uvu and uvw mixed, weightless instructions,
 * several paths into one output block, a block no path reaches, in2 multiplicity > 1 and
 * multiplicities > 32. Deterministic in the seed.
 */
public final class RandomProblems {

    private RandomProblems() {
    }

    /** A random valid problem: random irreps, a random subset of the allowed paths, random modes. */
    public static TPProblem mixed(long seed, boolean shared, Layout layout) {
        Random rng = new Random(seed);
        Irreps in1 = randomIrreps(rng, 3, 40);
        Irreps in2 = randomIrreps(rng, 2, 3);
        List<MulIr> outBlocks = new ArrayList<>();
        record Cand(int i, int j, Irrep ir) {
        }
        List<Cand> cands = new ArrayList<>();
        for (int i = 0; i < in1.size(); i++) {
            for (int j = 0; j < in2.size(); j++) {
                Irrep a = in1.get(i).irrep();
                Irrep b = in2.get(j).irrep();
                for (int l = Math.abs(a.l() - b.l()); l <= a.l() + b.l(); l++) {
                    cands.add(new Cand(i, j, new Irrep(l, a.parity() * b.parity())));
                }
            }
        }
        TPProblem.Builder builder;
        List<Instruction> ins = new ArrayList<>();
        for (Cand c : cands) {
            if (rng.nextDouble() > 0.5) {
                continue;
            }
            boolean uvu = rng.nextBoolean();
            int mul = uvu ? in1.get(c.i()).mul() : 1 + rng.nextInt(5);
            // sometimes reuse an existing output block so that paths add up
            int target = -1;
            for (int k = 0; k < outBlocks.size(); k++) {
                if (outBlocks.get(k).irrep().equals(c.ir()) && outBlocks.get(k).mul() == mul && rng.nextBoolean()) {
                    target = k;
                }
            }
            if (target < 0) {
                outBlocks.add(new MulIr(mul, c.ir()));
                target = outBlocks.size() - 1;
            }
            boolean weighted = !uvu || rng.nextDouble() < 0.7;
            ins.add(new Instruction(c.i(), c.j(), target, uvu ? ConnectionMode.UVU : ConnectionMode.UVW, weighted,
                    0.5 + rng.nextDouble()));
        }
        outBlocks.add(new MulIr(2, new Irrep(1, 1))); // reached by no path: must stay zero
        builder = TPProblem.builder(in1, in2, Irreps.of(outBlocks)).sharedWeights(shared).layout(layout);
        ins.forEach(builder::instruction);
        return builder.build();
    }

    private static Irreps randomIrreps(Random rng, int maxBlocks, int maxMul) {
        List<MulIr> blocks = new ArrayList<>();
        int n = 1 + rng.nextInt(maxBlocks);
        for (int k = 0; k < n; k++) {
            blocks.add(new MulIr(1 + rng.nextInt(maxMul), new Irrep(rng.nextInt(4), rng.nextBoolean() ? 1 : -1)));
        }
        return Irreps.of(blocks);
    }

}
