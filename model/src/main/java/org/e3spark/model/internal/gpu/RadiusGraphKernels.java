package org.e3spark.model.internal.gpu;

import java.util.List;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.gpu.Literals;
import org.e3spark.kernels.gpu.SourceWriter;

/**
 * Generates the kernels that build a batch's radius graph on the device, in the layout the fused
 * convolution's forward pass reads (see {@link org.e3spark.kernels.gpu.DeviceConvGraph#receiverSide}):
 * <pre>
 *   e3_graph_degree   in-degree of every atom: neighbours j (and periodic images S) with
 *                     |x_j - x_i + S·cell| &lt; cutoff, (i, i, 0) excluded        one thread per atom
 *   e3_graph_scan     exclusive sums over atoms of edges, work items, cut nodes and their slots,
 *                     and the four totals                                      one block
 *   e3_graph_fill     per atom, its in-edges (sender, vector) in canonical order, the identity
 *                     permutation, its work items and reduction group          one thread per atom
 * </pre>
 * The search is brute force within each structure (structures are small next to a batch; every
 * atom of a structure is a candidate), over the periodic images whose fractional offset can be
 * within reach. Edge order and every rounding step follow {@link org.e3spark.graph.RadiusGraph}:
 * per receiver, senders ascending, then shifts ascending; {@code D = (x_j - x_i) + (a·r0 + b·r1 + c·r2)}
 * and {@code |D|} in float64 with explicitly rounded operations (no fused multiply-add), so the
 * device graph has exactly the host's edges, in the host's order, with bit-equal vectors.
 *
 * <p>Per-structure frames are 21 doubles: cell rows (9), the inverse for fractional coordinates (9),
 * and the reach per axis (3, negative on open axes). Edge vectors are written in the model's dtype.
 */
final class RadiusGraphKernels {

    static final String DEGREE = "e3_graph_degree";
    static final String SCAN = "e3_graph_scan";
    static final String FILL = "e3_graph_fill";

    /** Doubles per structure frame. */
    static final int FRAME = 21;
    /** Threads of the one scanning block; each first sums a contiguous run of atoms. */
    static final int SCAN_BLOCK = 1024;
    /** The totals the scan writes: edges, work items, cut nodes (reduction groups), partial-row slots. */
    static final int TOTALS = 4;

    private final double cutoff;
    private final int receiverChunk;
    private final int block;

    RadiusGraphKernels(double cutoff, int receiverChunk, int block) {
        this.cutoff = cutoff;
        this.receiverChunk = receiverChunk;
        this.block = block;
    }

    static List<String> kernelNames() {
        return List.of(DEGREE, SCAN, FILL);
    }

    void render(SourceWriter w) {
        w.comment("---- radius graph on the device (cutoff " + cutoff + " Å), in the host's edge order ----");
        visitor(w);
        degree(w);
        scan(w);
        fill(w);
    }

    /**
     * The one search both passes run: for receiver i, every sender j of its structure and every
     * image shift in reach, in the host's order. With null outputs it only counts.
     */
    private void visitor(SourceWriter w) {
        w.comment("Neighbours of atom i within the cutoff, senders ascending, then shifts (a, b, c) ascending.");
        w.comment("Rounded operations keep the host's arithmetic exactly: no contraction into fused multiply-adds.");
        w.open("__device__ int e3_neighbours(int i, const double* __restrict__ x, const int* __restrict__ structure_of, "
                + "const int* __restrict__ node_offsets, const double* __restrict__ frames, int first, "
                + "int* __restrict__ peer, tp_real* __restrict__ vectors)");
        w.line("int s = structure_of[i];");
        w.linef("const double* f = frames + (long long) s * %d;", FRAME);
        w.line("const double* rows = f;");
        w.line("const double* inv = f + 9;");
        w.line("const double* reach = f + 18;");
        w.line("double xi = x[3 * i], yi = x[3 * i + 1], zi = x[3 * i + 2];");
        w.line("int found = 0;");
        w.open("for (int j = node_offsets[s]; j < node_offsets[s + 1]; ++j)");
        w.line("double d0x = __dadd_rn(x[3 * j], -xi), d0y = __dadd_rn(x[3 * j + 1], -yi), "
                + "d0z = __dadd_rn(x[3 * j + 2], -zi);");
        w.line("int lo[3], hi[3];");
        w.line("#pragma unroll");
        w.open("for (int k = 0; k < 3; ++k)");
        w.open("if (reach[k] < 0.0)");
        w.line("lo[k] = 0;");
        w.line("hi[k] = 0;");
        w.close();
        w.open("else");
        w.comment("|f_k(D)| <= reach for any D inside the cutoff, and f_k(D) = f_k(D0) + S_k");
        w.line("double fk = d0x * inv[k] + d0y * inv[3 + k] + d0z * inv[6 + k];");
        w.comment("clamped before the int cast (out-of-range casts are undefined); the host refuses shifts beyond 511");
        w.line("lo[k] = (int) fmin(fmax(ceil(-fk - reach[k]), -512.0), 512.0);");
        w.line("hi[k] = (int) fmin(fmax(floor(-fk + reach[k]), -512.0), 512.0);");
        w.close();
        w.close();
        w.open("for (int a = lo[0]; a <= hi[0]; ++a)");
        w.open("for (int b = lo[1]; b <= hi[1]; ++b)");
        w.open("for (int c = lo[2]; c <= hi[2]; ++c)");
        w.line("if (j == i && a == 0 && b == 0 && c == 0) continue;");
        w.line("double dx = __dadd_rn(d0x, __dadd_rn(__dadd_rn(__dmul_rn((double) a, rows[0]), "
                + "__dmul_rn((double) b, rows[3])), __dmul_rn((double) c, rows[6])));");
        w.line("double dy = __dadd_rn(d0y, __dadd_rn(__dadd_rn(__dmul_rn((double) a, rows[1]), "
                + "__dmul_rn((double) b, rows[4])), __dmul_rn((double) c, rows[7])));");
        w.line("double dz = __dadd_rn(d0z, __dadd_rn(__dadd_rn(__dmul_rn((double) a, rows[2]), "
                + "__dmul_rn((double) b, rows[5])), __dmul_rn((double) c, rows[8])));");
        w.line("double d = __dsqrt_rn(__dadd_rn(__dadd_rn(__dmul_rn(dx, dx), __dmul_rn(dy, dy)), __dmul_rn(dz, dz)));");
        w.linef("if (!(d < %s)) continue;", Literals.of(cutoff, DType.FLOAT64));
        w.open("if (peer)");
        w.line("long long e = (long long) first + found;");
        w.line("peer[e] = j;");
        w.line("vectors[3 * e] = (tp_real) dx;");
        w.line("vectors[3 * e + 1] = (tp_real) dy;");
        w.line("vectors[3 * e + 2] = (tp_real) dz;");
        w.close();
        w.line("++found;");
        w.close();
        w.close();
        w.close();
        w.close();
        w.line("return found;");
        w.close();
        w.blank();
    }

    private void head(SourceWriter w, int bounds, String name, String params) {
        w.linef("extern \"C\" __global__ void __launch_bounds__(%d)", bounds);
        w.open(name + "(" + params + ")");
    }

    private void degree(SourceWriter w) {
        w.comment("Pass 1: each atom's number of in-edges.");
        head(w, block, DEGREE, "const double* __restrict__ x, const int* __restrict__ structure_of, "
                + "const int* __restrict__ node_offsets, const double* __restrict__ frames, int* __restrict__ degree, "
                + "int atoms");
        w.line("int i = blockIdx.x * blockDim.x + threadIdx.x;");
        w.line("if (i >= atoms) return;");
        w.line("degree[i] = e3_neighbours(i, x, structure_of, node_offsets, frames, 0, 0, 0);");
        w.close();
        w.blank();
    }

    /**
     * One block: every thread sums a contiguous run of atoms, the block scans the run totals in
     * shared memory (Hillis–Steele), then every thread writes its run's exclusive prefixes.
     */
    private void scan(SourceWriter w) {
        int chunk = receiverChunk;
        w.comment("Pass 2 (one block): exclusive sums over atoms of edges, work items (ceil(degree / " + chunk + ")),");
        w.comment("cut nodes and their partial-row slots; totals[4] = the four sums over the batch.");
        head(w, SCAN_BLOCK, SCAN, "const int* __restrict__ degree, int* __restrict__ edge_start, "
                + "int* __restrict__ item_start, int* __restrict__ group_start, int* __restrict__ slot_start, "
                + "int* __restrict__ totals, int atoms");
        w.linef("__shared__ int sums[4][%d];", SCAN_BLOCK);
        w.line("int t = threadIdx.x;");
        w.linef("int per = (atoms + %d - 1) / %d;", SCAN_BLOCK, SCAN_BLOCK);
        w.line("int begin = min(atoms, t * per), end = min(atoms, begin + per);");
        w.line("int run[4] = {0, 0, 0, 0};");
        w.open("for (int i = begin; i < end; ++i)");
        w.line("int d = degree[i];");
        w.linef("int k = (d + %d) / %d;", chunk - 1, chunk);
        w.line("run[0] += d;");
        w.line("run[1] += k;");
        w.line("run[2] += k > 1 ? 1 : 0;");
        w.line("run[3] += k > 1 ? k : 0;");
        w.close();
        w.line("for (int q = 0; q < 4; ++q) sums[q][t] = run[q];");
        w.line("__syncthreads();");
        w.open(String.format("for (int step = 1; step < %d; step <<= 1)", SCAN_BLOCK));
        w.line("int add[4];");
        w.line("for (int q = 0; q < 4; ++q) add[q] = t >= step ? sums[q][t - step] : 0;");
        w.line("__syncthreads();");
        w.line("for (int q = 0; q < 4; ++q) sums[q][t] += add[q];");
        w.line("__syncthreads();");
        w.close();
        w.comment("inclusive sums of the runs; this run starts where the previous one ended");
        w.line("int at[4];");
        w.line("for (int q = 0; q < 4; ++q) at[q] = t > 0 ? sums[q][t - 1] : 0;");
        w.open("for (int i = begin; i < end; ++i)");
        w.line("int d = degree[i];");
        w.linef("int k = (d + %d) / %d;", chunk - 1, chunk);
        w.line("edge_start[i] = at[0];");
        w.line("item_start[i] = at[1];");
        w.line("group_start[i] = at[2];");
        w.line("slot_start[i] = at[3];");
        w.line("at[0] += d;");
        w.line("at[1] += k;");
        w.line("at[2] += k > 1 ? 1 : 0;");
        w.line("at[3] += k > 1 ? k : 0;");
        w.close();
        w.open(String.format("if (t == %d)", SCAN_BLOCK - 1));
        w.line("edge_start[atoms] = sums[0][t];");
        w.line("for (int q = 0; q < 4; ++q) totals[q] = sums[q][t];");
        w.close();
        w.close();
        w.blank();
    }

    private void fill(SourceWriter w) {
        int chunk = receiverChunk;
        w.comment("Pass 3: each atom writes its in-edges, their identity permutation, its work items and group.");
        head(w, block, FILL, "const double* __restrict__ x, const int* __restrict__ structure_of, "
                + "const int* __restrict__ node_offsets, const double* __restrict__ frames, "
                + "const int* __restrict__ degree, const int* __restrict__ edge_start, "
                + "const int* __restrict__ item_start, const int* __restrict__ group_start, "
                + "const int* __restrict__ slot_start, int* __restrict__ peer, int* __restrict__ perm, "
                + "tp_real* __restrict__ vectors, int* __restrict__ items, int* __restrict__ groups, int atoms");
        w.line("int i = blockIdx.x * blockDim.x + threadIdx.x;");
        w.line("if (i >= atoms) return;");
        w.line("int first = edge_start[i], d = degree[i];");
        w.line("e3_neighbours(i, x, structure_of, node_offsets, frames, first, peer, vectors);");
        w.line("for (int e = first; e < first + d; ++e) perm[e] = e;");
        w.linef("int k = (d + %d) / %d;", chunk - 1, chunk);
        w.line("int slot = slot_start[i];");
        w.line("int begin = first;");
        w.open("for (int c = 0; c < k; ++c)");
        w.line("int size = d / k + (c < d % k ? 1 : 0);");
        w.line("int* item = items + 4LL * (item_start[i] + c);");
        w.line("item[0] = i;");
        w.line("item[1] = begin;");
        w.line("item[2] = begin + size;");
        w.line("item[3] = k > 1 ? slot + c : -1;");
        w.line("begin += size;");
        w.close();
        w.open("if (k > 1)");
        w.line("int* g = groups + 4LL * group_start[i];");
        w.line("g[0] = i;");
        w.line("g[1] = slot;");
        w.line("g[2] = k;");
        w.line("g[3] = 0;");
        w.close();
        w.close();
        w.blank();
    }
}
