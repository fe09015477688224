package org.e3spark.cli;

import org.e3spark.kernels.Backend;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.Direction;
import org.e3spark.kernels.ProblemCatalog;
import org.e3spark.kernels.ProblemCost;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.TensorProduct;

/**
 * {@code tp}: computes one named SPEC §9 problem on seeded random inputs and prints a checksum (the
 * sum of squares of every output, comparable across backends) and the throughput.
 */
final class TpCommand implements Main.Command {

    @Override
    public String summary() {
        return "compute a named problem on random inputs: --problem NAME --batch N --dtype f32|f64 "
                + "--backend cpu|cpu-reference|cuda|auto --direction forward|backward|double-backward --seed S";
    }

    @Override
    public int run(Options options) {
        String name = options.get("problem", "mace-large");
        int batch = options.getInt("batch", 10_000);
        DType dtype = Choices.dtype(options.get("dtype", "f32"));
        Backend backend = Choices.backend(options.get("backend", "cpu"));
        Direction direction = Choices.direction(options.get("direction", "forward"));
        long seed = options.getInt("seed", 1234);
        int repeat = options.getInt("repeat", 3);
        options.rejectUnknown();
        if (batch <= 0 || repeat <= 0) {
            throw new IllegalArgumentException("--batch and --repeat must be positive");
        }

        TPProblem problem = ProblemCatalog.problem(name);
        System.out.printf("problem   %s: %s%n", name, problem);
        System.out.printf("          %d instructions, weightNumel %d, dims %d x %d -> %d%n",
                problem.instructions().size(), problem.weightNumel(), problem.in1().dim(), problem.in2().dim(),
                problem.out().dim());
        Workload work = new Workload(problem, batch, seed);
        try (TensorProduct tp = TensorProduct.create(problem, backend, dtype)) {
            System.out.printf("backend   %s, %s, %s, batch %,d, seed %d%n", Choices.name(tp.backend()),
                    Choices.name(dtype), Choices.name(direction), batch, seed);
            double checksum = 0;
            double best = Double.MAX_VALUE;
            for (int r = 0; r < repeat; r++) {
                long t0 = System.nanoTime();
                checksum = work.run(tp, direction);
                best = Math.min(best, (System.nanoTime() - t0) / 1e9);
            }
            ProblemCost cost = new ProblemCost(problem);
            System.out.printf("checksum  %.12e  (sum of squares of all outputs)%n", checksum);
            System.out.printf("time      %.3f ms (best of %d)  %,.0f rows/s  %.2f GFLOP/s%n", best * 1e3, repeat,
                    batch / best, cost.flops(direction, batch) / best / 1e9);
        }
        return 0;
    }
}
