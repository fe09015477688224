package org.e3spark.kernels;

/**
 * The work and traffic a tensor product cannot avoid, for benchmarks: flops by SPEC §9's model and
 * the minimum bytes moved (each input read once, each output written once).
 *
 * <p>Flop model: forward is 3 * nnz(C) * m1 * m2 per path and row (SPEC §9); a uvw path adds its
 * weight mix, 2 * m1 * m2 * mo * (2lo + 1). Backward computes three gradients, each a contraction
 * the size of the forward, so it counts 3x forward; double backward runs three forward-sized and
 * three backward-sized passes, 12x forward. These are conventions for comparing rates, stated so
 * every printed GFLOP/s can be reproduced.
 */
public record ProblemCost(TPProblem problem) {

    /** Forward flops of one row. */
    public double forwardFlopsPerRow() {
        double flops = 0;
        for (int k = 0; k < problem.instructions().size(); k++) {
            Instruction ins = problem.instruction(k);
            MulIr a = problem.in1().get(ins.in1());
            MulIr b = problem.in2().get(ins.in2());
            MulIr c = problem.out().get(ins.out());
            double nnz = nonzeros(a.l(), b.l(), c.l());
            flops += 3.0 * nnz * a.mul() * b.mul();
            if (ins.mode() == ConnectionMode.UVW) {
                flops += 2.0 * a.mul() * b.mul() * c.mul() * c.irrep().dim();
            }
        }
        return flops;
    }

    public double flops(Direction direction, long batch) {
        double factor = switch (direction) {
            case FORWARD -> 1;
            case BACKWARD -> 3;
            case DOUBLE_BACKWARD -> 12;
        };
        return factor * forwardFlopsPerRow() * batch;
    }

    /** Bytes each input is read once and each output written once; shared weights count once. */
    public double minimumBytes(Direction direction, DType dtype, long batch) {
        double x = (double) problem.in1().dim() * batch;
        double y = (double) problem.in2().dim() * batch;
        double out = (double) problem.out().dim() * batch;
        double w = problem.sharedWeights() ? problem.weightNumel() : (double) problem.weightNumel() * batch;
        double elements = switch (direction) {
            case FORWARD -> x + y + w + out;                               // read x, y, w; write out
            case BACKWARD -> (x + y + w + out) + (x + y + w);               // read x, y, w, g; write gx, gy, gw
            case DOUBLE_BACKWARD -> (x + y + w + out) + (x + y + w) + (x + y + w + out); // + seeds in, 4 out
        };
        return elements * dtype.bytes();
    }

    private static int nonzeros(int l1, int l2, int l3) {
        int n = 0;
        for (double v : ClebschGordan.wigner3j(l1, l2, l3)) {
            if (v != 0) {
                n++;
            }
        }
        return n;
    }
}
