package org.e3spark.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.e3spark.kernels.Backend;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.Direction;
import org.e3spark.kernels.ProblemCatalog;
import org.e3spark.kernels.ProblemCost;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.TensorProduct;

/**
 * {@code bench}: every SPEC §9 problem (or a chosen list) on every chosen backend, dtype and
 * direction; prints median time, rows/s and GFLOP/s (the flop model of {@link ProblemCost}), and
 * for GPU backends achieved GB/s and the ratio to OpenEquivariance's H100 figure. Asserts nothing:
 * it measures. The reference backend runs at a smaller batch (it is dense and single-threaded).
 */
final class BenchCommand implements Main.Command {

    @Override
    public String summary() {
        return "benchmark SPEC §9 problems: --problems a,b --backends cpu,cpu-reference --dtypes f32,f64 "
                + "--directions forward,backward,double-backward --batch N --reference-batch N --repeat R "
                + "(--backends cuda: device-resident kernel timings, --compile-times true|false)";
    }

    @Override
    public int run(Options options) throws Exception {
        List<String> problems = options.getList("problems", String.join(",", ProblemCatalog.names()));
        List<Backend> backends = options.getList("backends", "cpu,cpu-reference").stream().map(Choices::backend).toList();
        List<DType> dtypes = options.getList("dtypes", "f32,f64").stream().map(Choices::dtype).toList();
        List<Direction> directions = options.getList("directions", "forward,backward,double-backward").stream()
                .map(Choices::direction).toList();
        int batch = options.getInt("batch", 5_000);
        int referenceBatch = options.getInt("reference-batch", 100);
        int repeat = options.getInt("repeat", 5);
        boolean compileTimes = Boolean.parseBoolean(options.get("compile-times", "true"));
        options.rejectUnknown();
        if (backends.contains(Backend.CUDA)) {
            if (backends.size() > 1) {
                throw new IllegalArgumentException("--backends cuda times kernels on the device; bench CPU backends in a"
                        + " separate run");
            }
            return new CudaBench(Math.max(repeat, 30)).run(problems, dtypes, directions, batch, compileTimes);
        }

        System.out.printf("# e3spark bench: %d cores, %s %s, java %s%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"), System.getProperty("os.arch"), System.getProperty("java.version"));
        System.out.printf("# median of %d warm runs; flops: SPEC §9 forward model, backward 3x, double backward 12x%n", repeat);
        System.out.printf("%-24s %-14s %-4s %-16s %8s %11s %14s %9s %8s %7s%n", "problem", "backend", "type",
                "direction", "batch", "median ms", "rows/s", "GFLOP/s", "GB/s", "vs OEQ");
        for (String name : problems) {
            ProblemCatalog.Entry entry = ProblemCatalog.entry(name);
            TPProblem problem = entry.problem().get();
            ProblemCost cost = new ProblemCost(problem);
            for (Backend backend : backends) {
                int n = backend == Backend.CPU_REFERENCE ? Math.min(batch, referenceBatch) : batch;
                Workload work = new Workload(problem, n, 42);
                for (DType dtype : dtypes) {
                    try (TensorProduct tp = TensorProduct.create(problem, backend, dtype)) {
                        for (Direction direction : directions) {
                            double ms = medianMs(tp, work, direction, repeat);
                            double s = ms / 1e3;
                            String oeq = "";
                            double peer = direction == Direction.FORWARD ? entry.oeqForwardMs()
                                    : direction == Direction.BACKWARD ? entry.oeqBackwardMs() : Double.NaN;
                            if (tp.backend() == Backend.CUDA && n == 50_000 && dtype == DType.FLOAT32 && !Double.isNaN(peer)) {
                                oeq = String.format("%.2f", ms / peer);
                            }
                            System.out.printf("%-24s %-14s %-4s %-16s %8d %11.3f %14.0f %9.2f %8.1f %7s%n", name,
                                    Choices.name(tp.backend()), Choices.name(dtype), Choices.name(direction), n, ms,
                                    n / s, cost.flops(direction, n) / s / 1e9,
                                    cost.minimumBytes(direction, dtype, n) / s / 1e9, oeq);
                        }
                    }
                }
            }
        }
        return 0;
    }

    private static double medianMs(TensorProduct tp, Workload work, Direction direction, int repeat) {
        work.run(tp, direction); // warm-up: JIT compilation, kernel compilation, caches
        List<Double> times = new ArrayList<>();
        for (int r = 0; r < repeat; r++) {
            long t0 = System.nanoTime();
            work.run(tp, direction);
            times.add((System.nanoTime() - t0) / 1e6);
        }
        double[] sorted = times.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
