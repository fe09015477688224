package org.e3spark.kernels.internal.codegen;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.e3spark.kernels.SymmetricContractionProblem;
import org.e3spark.kernels.internal.math.SymmetricPolynomial;

/**
 * The schedule of a symmetric contraction's kernels, planned from its {@link SymmetricPolynomial}:
 * per output irrep i and order nu a chunk (the P_nu weight columns W_nu^i[z, :, c] live in registers
 * only while their chunk runs), per chunk the monomials of degree nu in the polynomial's index order,
 * per monomial its pairs (output component M) and per pair its terms (weight column k, coefficient).
 *
 * <p>One thread owns one (node, channel): x[n, c, 0..D-1] is read once into registers, each monomial
 * is a product of at most {@code correlation} registers (the compiler shares common prefixes), and
 * a pair adds {@code (sum_k coefficient_k w_k) * monomial} to out[M]: one FMA per term and one per
 * pair. Weight gradients are reduced deterministically: a thread owns (segment of
 * {@link #SEGMENT_ROWS} nodes, channel) and loops over the elements present in its segment, holding
 * one chunk's P_nu accumulators at a time; each (segment, element) writes its own partial row and an
 * ordered final pass sums the segments. No atomics, so results are bit-identical run to run.
 *
 * @param problem the problem
 * @param chunks every (output, nu) chunk in the flat weight order's output-major order
 * @param pathsTotal sum of P over all chunks (a partial row holds pathsTotal x C values)
 * @param terms number of terms (FMAs per node-channel in the forward, beside one per pair)
 * @param pairs number of pairs
 */
public record SymmetricContractionPlan(SymmetricContractionProblem problem, List<Chunk> chunks, int pathsTotal,
                                       int terms, int pairs) {

    /**
     * Nodes per weight-gradient segment. Fixed (never derived from the device), so the summation order,
     * hence every bit of dL/dw, depends only on the batch. 32 rows give 625 x C threads for 20,000
     * nodes (80,000 for C = 128: enough to fill an H100/H200) while the partials stay at most
     * min(elements, 32) rows per segment.
     */
    public static final int SEGMENT_ROWS = 32;

    /**
     * Above this many terms the unrolled source (about one line per term, per kernel) takes too long to
     * compile: hiprtc needs 10-45 s (two shared cores) for MACE-MP-medium's 1,909 terms in all seven kernels (up to 20 ms
     * per term), so 12,000 terms cost about 4 minutes over all groups on first use (a sixth of it for the
     * forward group), once per architecture thanks to the disk cache. Larger problems (correlation 4 over
     * 0e+1o+2e+3o into 0e+1o: 37,000 terms; into 0e+1o+2e: 100,000) are refused: Backend.CUDA throws
     * BackendUnavailableException and AUTO falls back to the CPU. MACE's usual shapes (correlation 3,
     * L = 3 in, L <= 1 out) have about 2,000 terms; L = 3 out about 10,000.
     */
    public static final int MAX_UNROLLED_TERMS = 12_000;

    /** One (output irrep, order) block of weights W_nu^i [elements, P, C]. */
    public record Chunk(int output, int nu, int paths, int weightOffset, int localPathOffset, int outputDim,
                        int outputOffset, List<Monomial> monomials) {
    }

    /** A monomial x[i_1] .. x[i_nu] (sorted indices) and the pairs that use it. */
    public record Monomial(int[] indices, List<Pair> pairs) {
    }

    /** out[M] += (sum over terms of coefficient * W[z, path, c]) * monomial. */
    public record Pair(int component, int[] paths, double[] coefficients) {
    }

    public static SymmetricContractionPlan of(SymmetricContractionProblem p) {
        SymmetricPolynomial poly = p.polynomial();
        List<Chunk> chunks = new ArrayList<>();
        int local = 0;
        int terms = 0;
        int pairs = 0;
        for (int i = 0; i < poly.outputCount(); i++) {
            for (int nu = 1; nu <= p.correlation(); nu++) {
                // monomial -> component -> terms
                Map<Integer, Map<Integer, List<double[]>>> byMono = new TreeMap<>();
                for (int e = 0; e < poly.termCount(i); e++) {
                    if (poly.termOrder(i, e) != nu) {
                        continue;
                    }
                    byMono.computeIfAbsent(poly.termMonomial(i, e), t -> new TreeMap<>())
                            .computeIfAbsent(poly.termComponent(i, e), m -> new ArrayList<>())
                            .add(new double[] {poly.termPath(i, e), poly.termCoefficient(i, e)});
                    terms++;
                }
                List<Monomial> monos = new ArrayList<>();
                for (var me : byMono.entrySet()) {
                    List<Pair> ps = new ArrayList<>();
                    for (var ce : me.getValue().entrySet()) {
                        List<double[]> ts = ce.getValue();
                        int[] k = new int[ts.size()];
                        double[] coef = new double[ts.size()];
                        for (int j = 0; j < ts.size(); j++) {
                            k[j] = (int) ts.get(j)[0];
                            coef[j] = ts.get(j)[1];
                        }
                        ps.add(new Pair(ce.getKey(), k, coef));
                        pairs++;
                    }
                    monos.add(new Monomial(poly.monomialIndices(me.getKey()), List.copyOf(ps)));
                }
                int paths = p.numPaths(i, nu);
                chunks.add(new Chunk(i, nu, paths, p.weightOffset(i, nu), local, p.outputs().get(i).dim(),
                        p.outputOffset(i), List.copyOf(monos)));
                local += paths;
            }
        }
        return new SymmetricContractionPlan(p, List.copyOf(chunks), local, terms, pairs);
    }

    /** True when the polynomial is small enough to unroll (see {@link #MAX_UNROLLED_TERMS}). */
    public boolean unrollable() {
        return terms <= MAX_UNROLLED_TERMS;
    }

    /** Weight-gradient segments for a batch. */
    public static int segments(int batch) {
        return (batch + SEGMENT_ROWS - 1) / SEGMENT_ROWS;
    }

    /** Partial rows one segment may need: one per element present, at most one per node. */
    public int slotsPerSegment() {
        return Math.min(problem.elements(), SEGMENT_ROWS);
    }

    /** Elements of the partial buffer for a batch: segments x slots x pathsTotal x C. */
    public long partialElements(int batch) {
        return (long) segments(batch) * slotsPerSegment() * pathsTotal * problem.channels();
    }

    /** Ints of the slot table for a batch: segments x elements. */
    public long slotTableInts(int batch) {
        return (long) segments(batch) * problem.elements();
    }

    /** Chunks of one output irrep, in order nu = 1.. */
    public List<Chunk> chunksOf(int output) {
        return chunks.stream().filter(c -> c.output() == output).toList();
    }

    /**
     * Arithmetic per node-channel of the forward: multiplications for the monomials (at most
     * degree - 1 each, fewer where prefixes are shared), one FMA per term and one per pair.
     */
    public long forwardFlopsPerNodeChannel() {
        long f = 0;
        for (Chunk c : chunks) {
            for (Monomial m : c.monomials()) {
                f += Math.max(0, m.indices().length - 1);
            }
        }
        return f + 2L * terms + 2L * pairs;
    }
}
