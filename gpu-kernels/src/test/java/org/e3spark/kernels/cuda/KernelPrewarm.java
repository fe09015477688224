package org.e3spark.kernels.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.TPProblem;

/**
 * GPU-run tool: compiles, in parallel, every kernel the GPU tests will need into the kernel cache,
 * so that the test run itself measures correctness, not NVRTC. Prints how long it took.
 */
public final class KernelPrewarm {

    private KernelPrewarm() {
    }

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : Runtime.getRuntime().availableProcessors();
        CudaDevice device = CudaRuntime.defaultDevice();
        boolean convOnly = args.length > 1 && args[1].equals("conv");
        boolean scOnly = args.length > 1 && args[1].equals("sc");
        List<TPProblem> problems = convOnly || scOnly ? List.of() : CudaTensorProductGpuTest.problemsUsed();
        List<org.e3spark.kernels.SymmetricContractionProblem> scProblems = convOnly ? List.of()
                : CudaSymmetricContractionGpuTest.problemsUsed();
        long t0 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> jobs = new ArrayList<>();
            for (TPProblem p : problems) {
                for (DType d : DType.values()) {
                    jobs.add(pool.submit(() -> CudaTensorProduct.precompile(p, d, device)));
                }
            }
            for (var p : scProblems) {
                var plan = org.e3spark.kernels.internal.codegen.SymmetricContractionPlan.of(p);
                for (DType d : DType.values()) {
                    for (var group : org.e3spark.kernels.internal.codegen.ScKernel.Group.values()) {
                        jobs.add(pool.submit(() -> SymmetricContractionModule.precompile(plan, d, device, group)));
                    }
                }
            }
            List<TPProblem> convProblems = scOnly ? List.of() : CudaTensorProductConvGpuTest.problemsUsed();
            for (TPProblem p : convProblems) {
                for (DType d : DType.values()) {
                    jobs.add(pool.submit(() -> CudaTensorProductConv.precompile(p, d, device)));
                }
            }
            for (Future<?> f : jobs) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        System.out.printf("prewarm: %d problems + %d convolution problems + %d symmetric contractions x 2 dtypes x 3 kernel"
                        + " groups on %d threads in %.1f s; cache %s%n", problems.size(),
                scOnly ? 0 : CudaTensorProductConvGpuTest.problemsUsed().size(), scProblems.size(), threads, (System.nanoTime() - t0) / 1e9, CudaRuntime.compiler().cache().stats());
    }
}
