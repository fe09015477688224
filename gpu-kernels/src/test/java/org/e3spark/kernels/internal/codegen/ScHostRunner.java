package org.e3spark.kernels.internal.codegen;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.e3spark.kernels.DType;

/**
 * Runs the generated symmetric-contraction kernels on the host: the dialect-independent body
 * ({@link SymmetricContractionEmitter#body}) behind a C++ prelude that maps the few CUDA names it
 * uses (blockIdx, fma, vector types) to host code, compiled with g++ and launched block by block,
 * thread by thread, in the same sequence {@code CudaSymmetricContraction} queues them. The kernels
 * use no shared memory and no barriers, so sequential threads are a faithful interpretation. Every
 * output buffer is poisoned with NaN first.
 */
final class ScHostRunner {

    /** Blocks per launch: small, so grid-stride loops run several rounds. */
    static final int GRID = 3;

    record Results(double[] out, double[] gx, double[] gw, double[] ggx, double[] ggw, double[] ggOut) {
    }

    /** Why the host compiler is unusable, or null when g++ runs. */
    static String whyNoCompiler() {
        try {
            Process p = new ProcessBuilder("g++", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0 ? null : "g++ --version failed";
        } catch (IOException | InterruptedException e) {
            return "g++ not found: " + e.getMessage();
        }
    }

    private static String prelude(DType dt) {
        String real = dt == DType.FLOAT64 ? "double" : "float";
        return String.join("\n",
                "// host interpretation prelude (tests only)",
                "#include <math.h>",
                "#include <stdio.h>",
                "#include <stdlib.h>",
                "#include <string.h>",
                "#include <algorithm>",
                "#include <vector>",
                "using std::min;",
                "typedef " + real + " tp_real;",
                "struct alignas(2 * sizeof(" + real + ")) tp_vec2 { " + real + " x, y; };",
                "struct alignas(16) tp_vec4 { float x, y, z, w; };",
                "struct HostDim { unsigned x; };",
                "static HostDim blockIdx, threadIdx, blockDim, gridDim;",
                "#define __global__",
                "#define __launch_bounds__(n)",
                "") + "\n";
    }

    private static String driver(SymmetricContractionPlan plan) {
        return String.join("\n",
                "template <typename T> static std::vector<T> readv(FILE* f, long n) {",
                "    std::vector<T> v(n > 0 ? n : 1); if (n > 0 && fread(v.data(), sizeof(T), n, f) != (size_t) n) exit(3); return v; }",
                "template <typename T> static void writev(FILE* f, const std::vector<T>& v, long n) {",
                "    if (n > 0) fwrite(v.data(), sizeof(T), n, f); }",
                "template <typename K> static void launch(long long items, K k) {",
                "    long long blocks = (items + 127) / 128; if (blocks < 1) blocks = 1; if (blocks > " + GRID + ") blocks = " + GRID + ";",
                "    gridDim.x = (unsigned) blocks; blockDim.x = 128;",
                "    for (unsigned b = 0; b < gridDim.x; ++b) for (unsigned t = 0; t < 128; ++t) { blockIdx.x = b; threadIdx.x = t; k(); } }",
                "int main(int argc, char** argv) {",
                "    FILE* in = fopen(argv[1], \"rb\"); if (!in) return 2;",
                "    long long h[8]; if (fread(h, sizeof(long long), 8, in) != 8) return 3;",
                "    const int batch = (int) h[0]; const long nx = h[1], nw = h[2], ng = h[3], np = h[4], ns = h[5];",
                "    const int C = (int) h[6];",
                "    auto x = readv<tp_real>(in, nx); auto sp = readv<int>(in, batch); auto w = readv<tp_real>(in, nw);",
                "    auto g = readv<tp_real>(in, ng); auto dx = readv<tp_real>(in, nx); auto dw = readv<tp_real>(in, nw);",
                "    fclose(in);",
                "    const tp_real nan = (tp_real) NAN;",
                "    std::vector<tp_real> out(ng + 1, nan), gx(nx + 1, nan), gw(nw + 1, nan), ggx(nx + 1, nan), ggw(nw + 1, nan), ggo(ng + 1, nan);",
                "    std::vector<tp_real> partial(np + 1, nan); std::vector<int> slots(ns + 1, -7);",
                "    const long long items = (long long) batch * C;",
                "    const long long segItems = (long long) ((batch + " + (SymmetricContractionPlan.SEGMENT_ROWS - 1) + ") / "
                        + SymmetricContractionPlan.SEGMENT_ROWS + ") * C;",
                "    if (batch > 0) {",
                "        launch(items, [&] { sc_forward(x.data(), sp.data(), w.data(), out.data(), batch); });",
                "        launch(items, [&] { sc_backward_x(x.data(), sp.data(), w.data(), g.data(), gx.data(), batch); });",
                "        launch(segItems, [&] { sc_weight_partials(x.data(), sp.data(), g.data(), partial.data(), slots.data(), batch); });",
                "        launch(" + plan.problem().weightNumel() + ", [&] { sc_weight_reduce(partial.data(), slots.data(), gw.data(), batch); });",
                "        std::fill(partial.begin(), partial.end(), nan); std::fill(slots.begin(), slots.end(), -7);",
                "        launch(items, [&] { sc_forward_tangent(x.data(), dx.data(), sp.data(), w.data(), dw.data(), ggo.data(), batch); });",
                "        launch(items, [&] { sc_backward_x_tangent(x.data(), dx.data(), sp.data(), w.data(), dw.data(), g.data(), ggx.data(), batch); });",
                "        launch(segItems, [&] { sc_weight_partials_tangent(x.data(), dx.data(), sp.data(), g.data(), partial.data(), slots.data(), batch); });",
                "        launch(" + plan.problem().weightNumel() + ", [&] { sc_weight_reduce(partial.data(), slots.data(), ggw.data(), batch); });",
                "    } else {",
                "        // CudaSymmetricContraction zeroes the weight gradients of an empty batch (memsetZeroAsync)",
                "        std::fill(gw.begin(), gw.end(), (tp_real) 0); std::fill(ggw.begin(), ggw.end(), (tp_real) 0);",
                "    }",
                "    FILE* o = fopen(argv[2], \"wb\"); if (!o) return 4;",
                "    writev(o, out, ng); writev(o, gx, nx); writev(o, gw, nw); writev(o, ggx, nx); writev(o, ggw, nw); writev(o, ggo, ng);",
                "    fclose(o); return 0; }",
                "");
    }

    /** Compiles the body for the host; returns the executable. */
    static Path compile(SymmetricContractionPlan plan, DType dt, Path dir) throws IOException, InterruptedException {
        String src = prelude(dt) + SymmetricContractionEmitter.body(plan, dt, List.of(ScKernel.values())) + driver(plan);
        Path cpp = dir.resolve("sc_" + dt + ".cpp");
        Files.writeString(cpp, src);
        Path exe = dir.resolve("sc_" + dt);
        Process p = new ProcessBuilder("g++", "-O0", "-std=c++17", "-o", exe.toString(), cpp.toString())
                .redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("g++ failed on " + cpp + ":\n" + log.substring(0, Math.min(log.length(), 4000)));
        }
        return exe;
    }

    static Results run(Path exe, SymmetricContractionPlan plan, DType dt, int batch, double[] x, int[] species,
                       double[] w, double[] g, double[] dx, double[] dw) throws IOException, InterruptedException {
        int bytes = dt.bytes();
        long np = plan.partialElements(batch);
        long ns = plan.slotTableInts(batch);
        ByteBuffer b = ByteBuffer.allocate(Math.toIntExact(64 + (2L * x.length + 2L * w.length + g.length) * bytes
                + 4L * species.length)).order(ByteOrder.nativeOrder());
        for (long v : new long[] {batch, x.length, w.length, g.length, np, ns, plan.problem().channels(), 0}) {
            b.putLong(v);
        }
        put(b, x, dt);
        for (int s : species) {
            b.putInt(s);
        }
        put(b, w, dt);
        put(b, g, dt);
        put(b, dx, dt);
        put(b, dw, dt);
        Path dir = exe.getParent();
        Path in = dir.resolve("in.bin");
        Path out = dir.resolve("out.bin");
        Files.write(in, b.array());
        Process p = new ProcessBuilder(exe.toString(), in.toString(), out.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError("host run failed (" + p.exitValue() + "): " + log);
        }
        ByteBuffer r = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.nativeOrder());
        List<double[]> parts = new ArrayList<>();
        for (int len : new int[] {g.length, x.length, w.length, x.length, w.length, g.length}) {
            double[] a = new double[len];
            for (int i = 0; i < len; i++) {
                a[i] = dt == DType.FLOAT64 ? r.getDouble() : r.getFloat();
            }
            parts.add(a);
        }
        return new Results(parts.get(0), parts.get(1), parts.get(2), parts.get(3), parts.get(4), parts.get(5));
    }

    private static void put(ByteBuffer b, double[] a, DType dt) {
        for (double v : a) {
            if (dt == DType.FLOAT64) {
                b.putDouble(v);
            } else {
                b.putFloat((float) v);
            }
        }
    }
}
