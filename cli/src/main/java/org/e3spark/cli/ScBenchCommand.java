package org.e3spark.cli;

import org.e3spark.kernels.devices.Gpus;
import org.e3spark.kernels.gpu.DeviceAllocator;
import org.e3spark.kernels.gpu.DeviceBuffer;
import org.e3spark.kernels.gpu.DeviceSymmetricContraction;
import org.e3spark.kernels.gpu.GpuDevice;
import org.e3spark.kernels.gpu.GpuStream;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ForkJoinPool;
import org.e3spark.kernels.Backend;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.Direction;
import org.e3spark.kernels.Irreps;
import org.e3spark.kernels.SymmetricContraction;
import org.e3spark.kernels.SymmetricContractionCost;
import org.e3spark.kernels.SymmetricContractionProblem;

/**
 * {@code sc-bench}: MACE's symmetric contraction on MACE-MP-medium's shape (128x0e+128x1o+128x2e+128x3o
 * -> 128x0e+128x1o, correlation 3, 10 elements, 20,000 nodes) and a 32-channel one (50,000 nodes, 4
 * elements). CUDA: device-resident, median of CUDA events (warm, three rotating input sets), the
 * minimum bytes (x, species, w read once, outputs written once; backward adds gradOut in, gx and gw
 * out; double backward dx, dw in and ggx, ggw, ggOut out) as GB/s and as a share of a device-to-device
 * copy measured in the same run, the flop model, and ratios to PEERS.md's mace-torch and
 * OpenEquivariance figures (H200). CPU: rows/s through the host API. Asserts nothing.
 */
final class ScBenchCommand implements Main.Command {

    /** One benchmark shape and its peers' H200 figures (ms; NaN where PEERS.md has none). */
    record Shape(String name, int channels, int nodes, int elements, double maceFwd, double maceFwdBwd,
                 double maceFwd64, double maceFwdBwd64, double oeqFwd, double oeqBwd, double oeqFwd64,
                 double oeqBwd64) {

        SymmetricContractionProblem problem() {
            int c = channels;
            return SymmetricContractionProblem.builder(
                            Irreps.parse(c + "x0e+" + c + "x1o+" + c + "x2e+" + c + "x3o"), Irreps.parse(c + "x0e+" + c + "x1o"))
                    .correlation(3).elements(elements).build();
        }

        double mace(DType dt, Direction d) {
            return peer(dt, d, maceFwd, maceFwdBwd, maceFwd64, maceFwdBwd64);
        }

        double oeq(DType dt, Direction d) {
            return peer(dt, d, oeqFwd, oeqBwd, oeqFwd64, oeqBwd64);
        }

        /**
         * One peer's figure for (dtype, direction); mace-torch's backward figure is forward + backward.
         * PEERS.md has none for double backward.
         */
        private static double peer(DType dt, Direction d, double fwd32, double bwd32, double fwd64, double bwd64) {
            boolean f32 = dt == DType.FLOAT32;
            return switch (d) {
                case FORWARD -> f32 ? fwd32 : fwd64;
                case BACKWARD -> f32 ? bwd32 : bwd64;
                default -> Double.NaN;
            };
        }
    }

    static final double NA = Double.NaN;
    /** PEERS.md: mace-torch (forward; forward + backward) and OpenEquivariance (forward; backward), H200. */
    static final Shape MACE_MP_MEDIUM = new Shape("mace-mp-medium", 128, 20_000, 10, 120.0, 181.3, 121.9, 201.5,
            45.7, 39.9, 67.7, 53.7);
    static final Shape CHANNELS_32 = new Shape("32-channel", 32, 50_000, 4, 25.8, 46.9, NA, NA, 28.4, 57.3, 42.6, 63.1);
    /** PEERS.md's H200 copy bandwidth, used when no GPU measures it. */
    static final double PEERS_COPY_GBS = 4202;

    @Override
    public String summary() {
        return "benchmark the symmetric contraction (MACE-MP-medium's shape and a 32-channel one): --backends cuda,cpu "
                + "--dtypes f32,f64 --directions forward,backward,double-backward --nodes N --channels C --repeat R --threads T";
    }

    @Override
    public int run(Options options) throws Exception {
        List<Backend> backends = options.getList("backends", "cuda,cpu").stream().map(Choices::backend).toList();
        List<DType> dtypes = options.getList("dtypes", "f32,f64").stream().map(Choices::dtype).toList();
        List<Direction> directions = options.getList("directions", "forward,backward,double-backward").stream()
                .map(Choices::direction).toList();
        int nodes = options.getInt("nodes", -1);
        int channels = options.getInt("channels", -1);
        int repeat = options.getInt("repeat", 30);
        int threads = options.getInt("threads", Runtime.getRuntime().availableProcessors());
        options.rejectUnknown();
        List<Shape> shapes = new ArrayList<>();
        if (channels > 0) {
            shapes.add(new Shape(channels + "-channel", channels, nodes > 0 ? nodes : 20_000, 10, NA, NA, NA, NA, NA, NA,
                    NA, NA));
        } else {
            for (Shape s : List.of(MACE_MP_MEDIUM, CHANNELS_32)) {
                shapes.add(nodes > 0 ? new Shape(s.name(), s.channels(), nodes, s.elements(), s.maceFwd(),
                        s.maceFwdBwd(), s.maceFwd64(), s.maceFwdBwd64(), s.oeqFwd(), s.oeqBwd(), s.oeqFwd64(),
                        s.oeqBwd64()) : s);
            }
        }
        for (Backend b : backends) {
            if (b == Backend.CUDA) {
                cuda(shapes, dtypes, directions, Math.max(repeat, 1));
            } else {
                cpu(b, shapes, dtypes, directions, Math.max(1, Math.min(repeat, 3)), threads);
            }
        }
        return 0;
    }

    /** Bytes read and written at the minimum: every operand once. */
    static long minimumBytes(SymmetricContractionProblem p, DType dt, Direction d, long nodes) {
        long x = nodes * p.inputDim();
        long out = nodes * p.outputDim();
        long w = p.weightNumel();
        long reals = switch (d) {
            case FORWARD -> x + w + out;
            case BACKWARD -> x + w + out + x + w;               // x, w, gradOut in; gx, gw out
            case DOUBLE_BACKWARD -> 2 * x + 2 * w + out + x + w + out; // x, dx, w, dw, gradOut in; ggx, ggw, ggOut out
        };
        return reals * dt.bytes() + nodes * 4L;
    }

    /** The flop model of {@link SymmetricContractionCost}. */
    static double flops(SymmetricContractionCost plan, Direction d, long nodes) {
        return plan.flops(d, nodes);
    }

    private static String ratio(double peer, double ours) {
        return Double.isNaN(peer) ? "-" : String.format("%.1fx", peer / ours);
    }

    // ------------------------------------------------------------------ CUDA

    private void cuda(List<Shape> shapes, List<DType> dtypes, List<Direction> directions, int repeat) {
        GpuDevice device = Gpus.device(Backend.CUDA, Gpus.defaultOrdinal());
        CudaBench bench = new CudaBench(repeat);
        double copy = bench.copyBandwidth();
        System.out.printf("# sc-bench CUDA on %s (%s, %d SMs), driver %d; median of %d CUDA events (warm, 3 rotating input "
                        + "sets)%n", device.name(), device.archName(), device.multiprocessorCount(),
                device.runtimeVersion(), repeat);
        System.out.printf("# measured device-to-device copy: %.0f GB/s (read + write; PEERS.md: %.0f GB/s)%n", copy,
                PEERS_COPY_GBS);
        System.out.println("# bytes: every operand once; floor = bytes / copy rate; flops: forward model (monomials + 2 x "
                + "(terms + pairs) per node-channel), backward 2x, double backward 4x");
        System.out.println("# vs mace-torch: forward vs its forward; backward row = our forward + backward vs its "
                + "forward + backward (energies + forces); vs OEQ: its forward / backward");
        System.out.printf("%-15s %-4s %-16s %7s %6s %10s %9s %9s %8s %9s %9s %11s %11s%n", "shape", "type", "direction",
                "nodes", "terms", "median ms", "MB moved", "GB/s", "% copy", "floor ms", "GFLOP/s", "vs mace", "vs OEQ");
        for (Shape s : shapes) {
            SymmetricContractionProblem p = s.problem();
            for (DType dt : dtypes) {
                try (DeviceSymmetricContraction sc = Gpus.symmetricContraction(p, dt, device);
                     DeviceAllocator alloc = device.newAllocator("sc-bench");
                     GpuStream stream = device.createStream()) {
                    SymmetricContractionCost plan = SymmetricContractionCost.of(sc.problem());
                    int n = s.nodes();
                    List<DeviceBuffer> all = new ArrayList<>();
                    DeviceBuffer[][] sets = new DeviceBuffer[3][];
                    for (int k = 0; k < sets.length; k++) {
                        Random rng = new Random(100 + k);
                        sets[k] = new DeviceBuffer[] {
                                random(alloc, all, (long) n * p.inputDim(), dt, rng), species(alloc, all, n, p.elements(), rng),
                                random(alloc, all, p.weightNumel(), dt, rng), random(alloc, all, (long) n * p.outputDim(), dt, rng),
                                random(alloc, all, (long) n * p.inputDim(), dt, rng), random(alloc, all, p.weightNumel(), dt, rng)};
                    }
                    DeviceBuffer out = alloc.allocate(Math.max(1, (long) n * p.outputDim() * dt.bytes()));
                    DeviceBuffer gx = alloc.allocate(Math.max(1, (long) n * p.inputDim() * dt.bytes()));
                    DeviceBuffer gw = alloc.allocate((long) p.weightNumel() * dt.bytes());
                    all.addAll(List.of(out, gx, gw));
                    double fwdMs = Double.NaN;
                    for (Direction d : directions) {
                        int[] turn = {0};
                        Runnable call = () -> {
                            DeviceBuffer[] in = sets[turn[0]++ % sets.length];
                            switch (d) {
                                case FORWARD -> sc.forward(in[0], in[1], in[2], out, n, stream);
                                case BACKWARD -> sc.backward(in[0], in[1], in[2], in[3], gx, gw, n, stream);
                                case DOUBLE_BACKWARD -> sc.doubleBackward(in[0], in[1], in[2], in[3], in[4], in[5], gx, gw,
                                        out, n, stream);
                            }
                        };
                        double ms = EventTimer.median(EventTimer.timeMs(device, stream, repeat, call));
                        if (d == Direction.FORWARD) {
                            fwdMs = ms;
                        }
                        long bytes = minimumBytes(p, dt, d, n);
                        double gbs = bytes / (ms / 1e3) / 1e9;
                        double vsMace = d == Direction.BACKWARD ? (Double.isNaN(fwdMs) ? Double.NaN : fwdMs + ms) : ms;
                        System.out.printf("%-15s %-4s %-16s %7d %6d %10.3f %9.1f %9.0f %7.1f%% %9.3f %9.0f %11s %11s%n",
                                s.name(), Choices.name(dt), Choices.name(d), n, plan.terms(), ms, bytes / 1e6, gbs,
                                100 * gbs / copy,
                                bytes / (copy * 1e9) * 1e3, flops(plan, d, n) / (ms / 1e3) / 1e9,
                                Double.isNaN(vsMace) ? "-" : ratio(s.mace(dt, d), vsMace), ratio(s.oeq(dt, d), ms));
                    }
                    all.forEach(DeviceBuffer::close);
                }
            }
        }
    }

    private static DeviceBuffer random(DeviceAllocator alloc, List<DeviceBuffer> all, long n, DType dt, Random rng) {
        DeviceBuffer b = alloc.allocate(Math.max(1, n * dt.bytes()));
        all.add(b);
        if (dt == DType.FLOAT64) {
            double[] h = new double[Math.toIntExact(n)];
            for (int i = 0; i < h.length; i++) {
                h[i] = rng.nextGaussian() * 0.5;
            }
            b.copyFrom(h);
        } else {
            float[] h = new float[Math.toIntExact(n)];
            for (int i = 0; i < h.length; i++) {
                h[i] = (float) (rng.nextGaussian() * 0.5);
            }
            b.copyFrom(h);
        }
        return b;
    }

    private static DeviceBuffer species(DeviceAllocator alloc, List<DeviceBuffer> all, int n, int elements, Random rng) {
        DeviceBuffer b = alloc.allocate(Math.max(1, n * 4L));
        all.add(b);
        int[] h = new int[n];
        for (int i = 0; i < n; i++) {
            h[i] = rng.nextInt(elements);
        }
        b.copyFrom(h);
        return b;
    }

    // ------------------------------------------------------------------ CPU

    private void cpu(Backend backend, List<Shape> shapes, List<DType> dtypes, List<Direction> directions, int repeat,
                     int threads) throws Exception {
        System.out.printf("# sc-bench %s: %d threads of %d cores, java %s; median of %d warm runs (host arrays)%n",
                Choices.name(backend), threads, Runtime.getRuntime().availableProcessors(),
                System.getProperty("java.version"), repeat);
        System.out.printf("%-15s %-4s %-16s %7s %10s %12s %9s%n", "shape", "type", "direction", "nodes", "median ms",
                "rows/s", "GFLOP/s");
        ForkJoinPool pool = new ForkJoinPool(threads);
        try {
            for (Shape s : shapes) {
                SymmetricContractionProblem p = s.problem();
                SymmetricContractionCost plan = SymmetricContractionCost.of(p);
                int n = s.nodes();
                Random rng = new Random(7);
                double[] x = gaussian(rng, (long) n * p.inputDim());
                double[] w = gaussian(rng, p.weightNumel());
                double[] g = gaussian(rng, (long) n * p.outputDim());
                double[] dx = gaussian(rng, (long) n * p.inputDim());
                double[] dw = gaussian(rng, p.weightNumel());
                int[] species = new int[n];
                for (int i = 0; i < n; i++) {
                    species[i] = rng.nextInt(p.elements());
                }
                for (DType dt : dtypes) {
                    try (SymmetricContraction sc = SymmetricContraction.create(p, backend, dt)) {
                        float[][] f = dt == DType.FLOAT32
                                ? new float[][] {toFloat(x), toFloat(w), toFloat(g), toFloat(dx), toFloat(dw)} : null;
                        for (Direction d : directions) {
                            Runnable call = () -> {
                                if (f == null) {
                                    switch (d) {
                                        case FORWARD -> sc.forward(x, species, w, n);
                                        case BACKWARD -> sc.backward(x, species, w, g, n);
                                        case DOUBLE_BACKWARD -> sc.doubleBackward(x, species, w, g, dx, dw, n);
                                    }
                                } else {
                                    switch (d) {
                                        case FORWARD -> sc.forward(f[0], species, f[1], n);
                                        case BACKWARD -> sc.backward(f[0], species, f[1], f[2], n);
                                        case DOUBLE_BACKWARD -> sc.doubleBackward(f[0], species, f[1], f[2], f[3], f[4], n);
                                    }
                                }
                            };
                            double[] ms = new double[repeat];
                            pool.submit(call).get(); // warm-up
                            for (int r = 0; r < repeat; r++) {
                                long t0 = System.nanoTime();
                                pool.submit(call).get();
                                ms[r] = (System.nanoTime() - t0) / 1e6;
                            }
                            double med = EventTimer.median(ms);
                            System.out.printf("%-15s %-4s %-16s %7d %10.1f %12.0f %9.1f%n", s.name(), Choices.name(dt),
                                    Choices.name(d), n, med, n / (med / 1e3), flops(plan, d, n) / (med / 1e3) / 1e9);
                        }
                    }
                }
            }
        } finally {
            pool.shutdown();
        }
    }

    private static double[] gaussian(Random rng, long n) {
        double[] a = new double[Math.toIntExact(n)];
        for (int i = 0; i < a.length; i++) {
            a[i] = rng.nextGaussian() * 0.5;
        }
        return a;
    }

    private static float[] toFloat(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }
}
