package org.e3spark.cli;

import org.e3spark.kernels.Backend;
import org.e3spark.kernels.devices.Gpus;
import org.e3spark.kernels.gpu.DeviceAllocator;
import org.e3spark.kernels.gpu.DeviceBuffer;
import org.e3spark.kernels.gpu.DeviceConvGraph;
import org.e3spark.kernels.gpu.DeviceTensorProductConv;
import org.e3spark.kernels.gpu.GpuDevice;
import org.e3spark.kernels.gpu.GpuFunction;
import org.e3spark.kernels.gpu.GpuModule;
import org.e3spark.kernels.gpu.GpuStream;
import org.e3spark.kernels.gpu.LaunchConfig;

import java.util.ArrayList;
import java.util.List;
import org.e3spark.kernels.ConvGraph;
import org.e3spark.kernels.ConvMode;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.ProblemCatalog;
import org.e3spark.kernels.TPProblem;

/**
 * {@code conv-bench}: SPEC §9's conv-mace-large (mace-large fused with message passing on a radius
 * graph: 4,000 nodes uniform in a 40 Å cube, cutoff 6 Å, not periodic) on the GPU, device-resident,
 * both modes and dtypes, forward and backward: median of CUDA-event timings after warm-up, achieved
 * bandwidth from the minimum bytes (each input read once, each output written once), and the ratio
 * to OpenEquivariance's atomic H100 figures (3.79 ms forward, 10.96 ms backward; float32). Operands
 * are filled on the device with hashed uniform values of unit variance. Asserts nothing.
 */
final class ConvBenchCommand implements Main.Command {

    private static final double OEQ_FORWARD_MS = 3.79;
    private static final double OEQ_BACKWARD_MS = 10.96;

    private static final String FILL = """
            extern "C" __global__ void fill_f32(float* p, long long n, unsigned int seed) {
                for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n;
                     i += (long long)gridDim.x * blockDim.x) {
                    unsigned int h = (unsigned int)(i * 2654435761ull) ^ seed;
                    h ^= h >> 16; h *= 0x7feb352du; h ^= h >> 15; h *= 0x846ca68bu; h ^= h >> 16;
                    p[i] = ((h & 0xffffffu) / 16777216.0f - 0.5f) * 3.4641016f;
                }
            }
            extern "C" __global__ void fill_f64(double* p, long long n, unsigned int seed) {
                for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n;
                     i += (long long)gridDim.x * blockDim.x) {
                    unsigned int h = (unsigned int)(i * 2654435761ull) ^ seed;
                    h ^= h >> 16; h *= 0x7feb352du; h ^= h >> 15; h *= 0x846ca68bu; h ^= h >> 16;
                    p[i] = ((h & 0xffffffu) / 16777216.0 - 0.5) * 3.4641016151377544;
                }
            }
            """;

    @Override
    public String summary() {
        return "benchmark the fused convolution conv-mace-large on the GPU: --problem mace-large --nodes 4000 --box 40"
                + " --cutoff 6 --dtypes f32,f64 --modes atomic,deterministic --repeat 30 --bytes-per-warp 0[,8192,..] (0: default)";
    }

    @Override
    public int run(Options options) throws Exception {
        String problemName = options.get("problem", "mace-large");
        int nodes = options.getInt("nodes", 4000);
        double box = options.getDouble("box", 40);
        double cutoff = options.getDouble("cutoff", 6);
        List<DType> dtypes = options.getList("dtypes", "f32,f64").stream().map(Choices::dtype).toList();
        List<ConvMode> modes = options.getList("modes", "atomic,deterministic").stream()
                .map(m -> ConvMode.valueOf(m.toUpperCase())).toList();
        // 0 = the convolution default of the dtype
        List<Integer> budgets = options.getList("bytes-per-warp", "0").stream().map(Integer::parseInt).toList();
        int repeat = Math.max(5, options.getInt("repeat", 30));
        options.rejectUnknown();

        TPProblem problem = ProblemCatalog.problem(problemName);
        long t0 = System.nanoTime();
        ConvGraph graph = RadiusGraph.build(nodes, box, cutoff, 7);
        GpuDevice device = Gpus.device(Backend.CUDA, Gpus.defaultOrdinal());
        System.out.printf("# conv-bench on %s (%s, %d SMs), driver %d; %s as a convolution; radius graph: %d nodes in a"
                        + " %.0f A cube, cutoff %.1f A -> %,d directed edges (max in-degree %d), built in %.1f s%n",
                device.name(), device.archName(), device.multiprocessorCount(), device.runtimeVersion(),
                problemName, nodes, box, cutoff, graph.numEdges(), graph.maxInDegree(), (System.nanoTime() - t0) / 1e9);
        System.out.printf("# median of %d after 5 warm-up calls (CUDA events, device-resident operands, kernels warm);"
                + " vs OEQ = ms / OpenEquivariance atomic fp32 (%.2f fwd, %.2f bwd)%n", repeat, OEQ_FORWARD_MS, OEQ_BACKWARD_MS);
        System.out.printf("%-5s %-13s %-9s %6s %10s %10s %9s %7s %9s%n", "type", "mode", "direction", "B/warp",
                "median ms", "p90 ms", "GB/s", "vs OEQ", "vs atomic");
        for (DType dtype : dtypes) {
            for (int requested : budgets) {
                int budget = Gpus.convolutionBytesPerWarp(dtype, requested);
                double[] atomicMs = new double[2];
                for (ConvMode mode : modes) {
                    double[][] t = time(device, problem, dtype, mode, budget, graph, repeat);
                    long[] bytes = minimumBytes(problem, graph, dtype);
                    String[] dirs = {"forward", "backward"};
                    double[] oeq = {OEQ_FORWARD_MS, OEQ_BACKWARD_MS};
                    for (int d = 0; d < 2; d++) {
                        double ms = EventTimer.median(t[d]);
                        if (mode == ConvMode.ATOMIC) {
                            atomicMs[d] = ms;
                        }
                        System.out.printf("%-5s %-13s %-9s %6d %10.3f %10.3f %9.0f %7.2f %9s%n", Choices.name(dtype),
                                mode.name().toLowerCase(), dirs[d], budget, ms, EventTimer.percentile(t[d], 0.9),
                                bytes[d] / (ms / 1e3) / 1e9, ms / oeq[d],
                                atomicMs[d] > 0 ? String.format("%.2f", ms / atomicMs[d]) : "-");
                    }
                }
            }
        }
        return 0;
    }

    /** Forward and backward timings (ms) of one configuration. */
    private static double[][] time(GpuDevice device, TPProblem p, DType dtype, ConvMode mode, int bytesPerWarp,
                                   ConvGraph graph, int repeat) {
        int n = graph.numNodes();
        long m = graph.numEdges();
        try (DeviceTensorProductConv conv = Gpus.convolution(p, dtype, mode, device, bytesPerWarp);
             DeviceConvGraph dg = conv.prepare(graph);
             DeviceAllocator alloc = device.newAllocator("conv-bench");
             GpuStream stream = device.createStream()) {
            List<DeviceBuffer> all = new ArrayList<>();
            GpuModule fillModule = device.load(FILL, "e3spark_bench_fill.cu", List.of("--std=c++17"));
            try {
                GpuFunction fill = fillModule.function(dtype == DType.FLOAT64 ? "fill_f64" : "fill_f32");
                int[] seed = {1};
                java.util.function.LongFunction<DeviceBuffer> random = elements -> {
                    DeviceBuffer b = alloc.allocate(Math.max(1, elements) * dtype.bytes());
                    all.add(b);
                    int grid = (int) Math.max(1, Math.min((elements + 255) / 256, 16L * device.multiprocessorCount()));
                    fill.launch(LaunchConfig.linear(grid, 256, 0), stream, b, elements, seed[0]++ * 0x9e3779b9);
                    return b;
                };
                long wn = p.sharedWeights() ? p.weightNumel() : m * p.weightNumel();
                DeviceBuffer x = random.apply((long) n * p.in1().dim());
                DeviceBuffer y = random.apply(m * p.in2().dim());
                DeviceBuffer w = random.apply(wn);
                DeviceBuffer g = random.apply((long) n * p.out().dim());
                DeviceBuffer out = random.apply((long) n * p.out().dim());
                DeviceBuffer gx = random.apply((long) n * p.in1().dim());
                DeviceBuffer gy = random.apply(m * p.in2().dim());
                DeviceBuffer gw = random.apply(wn);
                stream.synchronize();
                double[] fwd = EventTimer.timeMs(device, stream, repeat, () -> conv.forward(x, y, w, out, dg, stream));
                double[] bwd = EventTimer.timeMs(device, stream, repeat, () -> conv.backward(x, y, w, g, gx, gy, gw, dg, stream));
                return new double[][] {fwd, bwd};
            } finally {
                all.forEach(DeviceBuffer::close);
                fillModule.close();
            }
        }
    }

    private static long[] minimumBytes(TPProblem p, ConvGraph graph, DType dtype) {
        long n = graph.numNodes();
        long m = graph.numEdges();
        long w = p.sharedWeights() ? p.weightNumel() : m * p.weightNumel();
        long x = n * p.in1().dim();
        long y = m * p.in2().dim();
        long out = n * p.out().dim();
        return new long[] {(x + y + w + out) * dtype.bytes(), (x + y + w + out + x + y + w) * dtype.bytes()};
    }
}
