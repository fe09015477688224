package org.e3spark.kernels;

import org.e3spark.kernels.internal.codegen.SymmetricContractionPlan;

/**
 * The work of a symmetric contraction, for benchmarks. Flop model: forward = monomials + 2 (terms +
 * pairs) per node-channel; backward 2x, double backward 4x.
 */
public record SymmetricContractionCost(SymmetricContractionProblem problem, int terms, long forwardFlopsPerNodeChannel) {

    public static SymmetricContractionCost of(SymmetricContractionProblem problem) {
        SymmetricContractionPlan plan = SymmetricContractionPlan.of(problem);
        return new SymmetricContractionCost(problem, plan.terms(), plan.forwardFlopsPerNodeChannel());
    }

    public double flops(Direction direction, long rows) {
        double fwd = (double) forwardFlopsPerNodeChannel * rows * problem.channels();
        return switch (direction) {
            case FORWARD -> fwd;
            case BACKWARD -> 2 * fwd;
            case DOUBLE_BACKWARD -> 4 * fwd;
        };
    }
}
