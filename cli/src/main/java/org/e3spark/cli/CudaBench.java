package org.e3spark.cli;

import org.e3spark.kernels.Backend;
import org.e3spark.kernels.devices.Gpus;
import org.e3spark.kernels.gpu.DeviceAllocator;
import org.e3spark.kernels.gpu.DeviceBuffer;
import org.e3spark.kernels.gpu.DeviceTensorProduct;
import org.e3spark.kernels.gpu.GpuDevice;
import org.e3spark.kernels.gpu.GpuStream;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.Direction;
import org.e3spark.kernels.ProblemCatalog;
import org.e3spark.kernels.ProblemCost;
import org.e3spark.kernels.TPProblem;

/**
 * Kernel timings on a GPU, device-resident: operands live in device memory (three input sets,
 * rotated so repeated runs do not measure the L2 cache), each launch is timed with CUDA events
 * after warm-up, and the median is reported with the achieved bandwidth from the minimum bytes,
 * its share of the measured device-to-device copy bandwidth, and the ratio to OpenEquivariance's
 * H100 figure. Also NVRTC compile time per problem, cold (empty cache directory) and disk-warm.
 */
final class CudaBench {

    private static final int SETS = 3;
    /** About 4M normal samples; the odd length keeps tiles of different buffers from lining up. */
    private static final double[] POOL = new double[(1 << 22) + 7];

    static {
        Random rng = new Random(42);
        for (int i = 0; i < POOL.length; i++) {
            POOL[i] = rng.nextGaussian();
        }
    }

    private final GpuDevice device = Gpus.device(Backend.CUDA, Gpus.defaultOrdinal());
    private final int repeat;

    CudaBench(int repeat) {
        this.repeat = repeat;
    }

    /** Device-to-device copy rate, counting bytes read plus bytes written (GB/s). */
    double copyBandwidth() {
        long bytes = 1L << 30;
        try (DeviceAllocator alloc = device.newAllocator("bench-copy");
             GpuStream stream = device.createStream();
             DeviceBuffer a = alloc.allocate(bytes);
             DeviceBuffer b = alloc.allocate(bytes)) {
            a.memsetZeroAsync(stream);
            double[] ms = timeMs(stream, () -> b.copyFromAsync(a, stream));
            return 2.0 * bytes / (median(ms) / 1e3) / 1e9;
        }
    }

    /** Median ms of each direction at this batch, on operands allocated once for all directions. */
    double[] medianMs(TPProblem problem, DType dtype, List<Direction> directions, int batch) {
        try (DeviceTensorProduct tp = Gpus.tensorProduct(problem, dtype, device);
             DeviceAllocator alloc = device.newAllocator("bench");
             GpuStream stream = device.createStream()) {
            Operands[] sets = new Operands[SETS];
            for (int s = 0; s < SETS; s++) {
                sets[s] = new Operands(alloc, problem, dtype, batch, 1000 + s);
            }
            Operands outs = new Operands(alloc, problem, dtype, batch, 7);
            double[] result = new double[directions.size()];
            for (int d = 0; d < directions.size(); d++) {
                Direction direction = directions.get(d);
                int[] turn = {0};
                Runnable call = () -> {
                    Operands in = sets[turn[0]++ % SETS];
                    switch (direction) {
                        case FORWARD -> tp.forward(in.x, in.y, in.w, outs.g, batch, stream);
                        case BACKWARD -> tp.backward(in.x, in.y, in.w, in.g, outs.x, outs.y, outs.w, batch, stream);
                        case DOUBLE_BACKWARD -> tp.doubleBackward(in.x, in.y, in.w, in.g, in.dx, in.dy, in.dw,
                                outs.x, outs.y, outs.w, outs.g, batch, stream);
                    }
                };
                result[d] = median(timeMs(stream, call));
            }
            for (Operands o : sets) {
                o.close();
            }
            outs.close();
            return result;
        }
    }

    /** NVRTC seconds for the forward and backward kernels: cold (empty cache) and disk-warm. */
    double[] compileSeconds(TPProblem problem, DType dtype) throws Exception {
        return Gpus.compileSeconds(problem, dtype, device);
    }

    private double[] timeMs(GpuStream stream, Runnable call) {
        return EventTimer.timeMs(device, stream, repeat, call);
    }

    private static double median(double[] v) {
        return EventTimer.median(v);
    }

    /** One set of device operands (inputs, gradOut and double-backward seeds), random normal. */
    private static final class Operands implements AutoCloseable {
        final DeviceBuffer x;
        final DeviceBuffer y;
        final DeviceBuffer w;
        final DeviceBuffer g;
        final DeviceBuffer dx;
        final DeviceBuffer dy;
        final DeviceBuffer dw;
        private final List<DeviceBuffer> all = new ArrayList<>();

        Operands(DeviceAllocator alloc, TPProblem p, DType dtype, int batch, long seed) {
            Random rng = new Random(seed);
            long wn = p.sharedWeights() ? p.weightNumel() : (long) batch * p.weightNumel();
            x = random(alloc, (long) batch * p.in1().dim(), dtype, rng);
            y = random(alloc, (long) batch * p.in2().dim(), dtype, rng);
            w = random(alloc, wn, dtype, rng);
            g = random(alloc, (long) batch * p.out().dim(), dtype, rng);
            dx = random(alloc, (long) batch * p.in1().dim(), dtype, rng);
            dy = random(alloc, (long) batch * p.in2().dim(), dtype, rng);
            dw = random(alloc, wn, dtype, rng);
        }

        private DeviceBuffer random(DeviceAllocator alloc, long n, DType dtype, Random rng) {
            if (n == 0) {
                return null;
            }
            DeviceBuffer b = alloc.allocate(n * dtype.bytes());
            all.add(b);
            // Tiles of one pool of normal samples from a random start: generating billions of fresh
            // samples would dominate the run, and buffers this size defeat the L2 cache anyway.
            int start = rng.nextInt(POOL.length);
            if (dtype == DType.FLOAT64) {
                double[] h = new double[Math.toIntExact(n)];
                for (int i = 0; i < h.length; ) {
                    int len = Math.min(h.length - i, POOL.length - start);
                    for (int k = 0; k < len; k++) {
                        h[i + k] = POOL[start + k];
                    }
                    i += len;
                    start = 0;
                }
                b.copyFrom(h);
            } else {
                float[] h = new float[Math.toIntExact(n)];
                for (int i = 0; i < h.length; ) {
                    int len = Math.min(h.length - i, POOL.length - start);
                    for (int k = 0; k < len; k++) {
                        h[i + k] = (float) POOL[start + k];
                    }
                    i += len;
                    start = 0;
                }
                b.copyFrom(h);
            }
            return b;
        }

        @Override
        public void close() {
            all.forEach(DeviceBuffer::close);
        }
    }

    /** Prints the table for every problem, dtype and direction, then compile times. */
    int run(List<String> problems, List<DType> dtypes, List<Direction> directions, int batch, boolean compileTimes)
            throws Exception {
        double copy = copyBandwidth();
        System.out.printf("# CUDA bench on %s (%s, %d SMs), driver %d, NVRTC %s; batch %,d; median of %d (CUDA events,"
                        + " warm, %d rotating input sets)%n", device.name(), device.archName(),
                device.multiprocessorCount(), device.runtimeVersion(), device.compilerVersion(),
                batch, repeat, SETS);
        System.out.printf("# measured device-to-device copy: %.0f GB/s (read + write)%n", copy);
        System.out.printf("%-24s %-4s %-16s %10s %9s %8s %9s %8s%n", "problem", "type", "direction", "median ms", "GB/s",
                "% copy", "OEQ ms", "ratio");
        for (String name : problems) {
            ProblemCatalog.Entry entry = ProblemCatalog.entry(name);
            TPProblem problem = entry.problem().get();
            ProblemCost cost = new ProblemCost(problem);
            for (DType dtype : dtypes) {
                double[] times = medianMs(problem, dtype, directions, batch);
                for (int d = 0; d < directions.size(); d++) {
                    Direction direction = directions.get(d);
                    double ms = times[d];
                    double gbs = cost.minimumBytes(direction, dtype, batch) / (ms / 1e3) / 1e9;
                    double peer = direction == Direction.FORWARD ? entry.oeqForwardMs()
                            : direction == Direction.BACKWARD ? entry.oeqBackwardMs() : Double.NaN;
                    boolean comparable = dtype == DType.FLOAT32 && batch == 50_000 && !Double.isNaN(peer);
                    System.out.printf("%-24s %-4s %-16s %10.3f %9.0f %7.1f%% %9s %8s%n", name, Choices.name(dtype),
                            Choices.name(direction), ms, gbs, 100 * gbs / copy,
                            comparable ? String.format("%.2f", peer) : "-",
                            comparable ? String.format("%.2f", ms / peer) : "-");
                }
            }
        }
        if (compileTimes) {
            System.out.printf("%n%-24s %-4s %12s %12s%n", "problem", "type", "cold NVRTC s", "disk-warm s");
            for (String name : problems) {
                for (DType dtype : dtypes) {
                    double[] t = compileSeconds(ProblemCatalog.problem(name), dtype);
                    System.out.printf("%-24s %-4s %12.2f %12.3f%n", name, Choices.name(dtype), t[0], t[1]);
                }
            }
        }
        return 0;
    }
}
