package org.e3spark.kernels;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.e3spark.kernels.internal.math.CouplingBasis;
import org.e3spark.kernels.internal.math.CouplingBasis.PathTensor;
import org.e3spark.kernels.internal.math.SymmetricPolynomial;

/**
 * MACE's symmetric contraction (SPEC §7), {@code mace.modules.symmetric_contraction.SymmetricContraction(
 * irreps_in, irreps_out, correlation, num_elements)} with element-dependent weights: per node n,
 * channel c and output irrep L,
 * {@code B[n,c,M] = sum_{nu=1..correlation} sum_k W_nu^L[z(n),k,c] sum_{d1..dnu} U_nu^L[M,d1..dnu,k] x[n,c,d1]..x[n,c,dnu]}.
 *
 * <p>Index contract: x is rows x channels x couplingDim (MACE's layout, channel-major); the output row
 * is, for each output irrep in order, a channels x (2L+1) block; w is the flat concatenation of
 * {@link #weightNames()} in order, each [elements, P_nu, channels] row-major. The bases U are built
 * here from {@link ClebschGordan#wigner3j(int, int, int, CgConvention)} in the chosen convention.
 * Immutable and thread-safe; equal problems (same irreps, correlation, elements, convention) are equal.
 */
public final class SymmetricContractionProblem {

    private final Irreps irrepsIn;
    private final Irreps irrepsOut;
    private final int channels;
    private final Irreps coupling;
    private final List<Irrep> couplingList;
    private final List<Irrep> outputs;
    private final int correlation;
    private final int elements;
    private final CgConvention convention;
    /** paths.get(i).get(nu - 1): the columns of U_nu for output i (empty: MACE's all-zero column). */
    private final List<List<List<PathTensor>>> paths;
    private final int[][] weightOffset; // [output][nu - 1]
    private final int weightNumel;
    private final Map<String, int[]> weightIndex; // name -> {output, nu}
    private volatile SymmetricPolynomial polynomial;

    private SymmetricContractionProblem(Builder b) {
        if (b.irrepsIn == null || b.irrepsOut == null) {
            throw new IllegalArgumentException("irrepsIn and irrepsOut must not be null");
        }
        if (b.convention == null) {
            throw new IllegalArgumentException("convention must not be null");
        }
        if (b.correlation < 1 || b.correlation > 4) {
            throw new IllegalArgumentException("correlation must be in 1..4 (MACE's range), got " + b.correlation);
        }
        if (b.elements < 1) {
            throw new IllegalArgumentException("elements must be >= 1, got " + b.elements);
        }
        this.irrepsIn = b.irrepsIn;
        this.irrepsOut = b.irrepsOut;
        this.correlation = b.correlation;
        this.elements = b.elements;
        this.convention = b.convention;
        if (irrepsIn.size() == 0) {
            throw new IllegalArgumentException("irrepsIn must not be empty");
        }
        this.channels = irrepsIn.get(0).mul();
        List<Irrep> coup = new ArrayList<>();
        Set<Irrep> seen = new HashSet<>();
        boolean hasScalar = false;
        for (int k = 0; k < irrepsIn.size(); k++) {
            MulIr block = irrepsIn.get(k);
            if (block.mul() != channels) {
                throw new IllegalArgumentException("irrepsIn '" + irrepsIn + "': block " + k + " (" + block
                        + ") has " + block.mul() + " channels but block 0 has " + channels
                        + "; MACE's symmetric contraction needs the same channel count in every block");
            }
            if (!seen.add(block.irrep())) {
                throw new IllegalArgumentException("irrepsIn '" + irrepsIn + "': irrep " + block.irrep()
                        + " appears twice; MACE's symmetric contraction takes each coupling irrep once");
            }
            hasScalar |= block.irrep().equals(new Irrep(0, 1));
            coup.add(block.irrep());
        }
        if (channels < 1) {
            throw new IllegalArgumentException("irrepsIn '" + irrepsIn + "' has 0 channels; need >= 1");
        }
        if (!hasScalar) {
            throw new IllegalArgumentException("irrepsIn '" + irrepsIn + "' has no 0e block; MACE counts the"
                    + " channels as the multiplicity of 0e");
        }
        this.couplingList = List.copyOf(coup);
        List<MulIr> coupBlocks = new ArrayList<>();
        for (Irrep ir : coup) {
            coupBlocks.add(new MulIr(1, ir));
        }
        this.coupling = Irreps.of(coupBlocks);
        if (irrepsOut.size() == 0) {
            throw new IllegalArgumentException("irrepsOut must not be empty");
        }
        List<Irrep> outs = new ArrayList<>();
        for (int k = 0; k < irrepsOut.size(); k++) {
            MulIr block = irrepsOut.get(k);
            if (block.mul() != channels) {
                throw new IllegalArgumentException("irrepsOut '" + irrepsOut + "': block " + k + " (" + block
                        + ") has " + block.mul() + " channels; it must equal the input's " + channels
                        + " (channels never mix in a symmetric contraction)");
            }
            outs.add(block.irrep());
        }
        this.outputs = List.copyOf(outs);
        List<List<List<PathTensor>>> byOutput = new ArrayList<>();
        for (int i = 0; i < outputs.size(); i++) {
            byOutput.add(new ArrayList<>());
        }
        for (int nu = 1; nu <= correlation; nu++) {
            List<List<PathTensor>> level = CouplingBasis.paths(couplingList, outputs, nu, convention);
            for (int i = 0; i < outputs.size(); i++) {
                byOutput.get(i).add(level.get(i));
            }
        }
        for (int i = 0; i < outputs.size(); i++) {
            boolean any = false;
            for (List<PathTensor> cols : byOutput.get(i)) {
                any |= !cols.isEmpty();
            }
            if (!any) {
                throw new IllegalArgumentException("irrepsOut '" + irrepsOut + "': output irrep " + outputs.get(i)
                        + " (block " + i + ") cannot be reached from " + coupling + " at any order 1.." + correlation
                        + (correlation == 4 ? " (correlation 4 keeps natural-parity intermediates only)" : ""));
            }
            byOutput.set(i, List.copyOf(byOutput.get(i)));
        }
        this.paths = List.copyOf(byOutput);
        this.weightOffset = new int[outputs.size()][correlation];
        this.weightIndex = new LinkedHashMap<>();
        int off = 0;
        for (int i = 0; i < outputs.size(); i++) {
            for (int j = 0; j < correlation; j++) {
                int nu = j == 0 ? correlation : correlation - j; // weights_max, then weights.0 (nu = corr-1) ..
                weightOffset[i][nu - 1] = off;
                off = Math.addExact(off, Math.multiplyExact(elements, Math.multiplyExact(numPaths(i, nu), channels)));
                weightIndex.put(j == 0 ? "contractions." + i + ".weights_max"
                        : "contractions." + i + ".weights." + (j - 1), new int[] {i, nu});
            }
        }
        this.weightNumel = off;
    }

    public static Builder builder(Irreps irrepsIn, Irreps irrepsOut) {
        return new Builder(irrepsIn, irrepsOut);
    }

    /** Builder; correlation must be given, elements defaults to 1, convention to {@link CgConvention#E3NN}. */
    public static final class Builder {
        private final Irreps irrepsIn;
        private final Irreps irrepsOut;
        private int correlation = -1;
        private int elements = 1;
        private CgConvention convention = CgConvention.E3NN;

        private Builder(Irreps irrepsIn, Irreps irrepsOut) {
            this.irrepsIn = irrepsIn;
            this.irrepsOut = irrepsOut;
        }

        /** MACE's {@code correlation}: the highest order nu, 1..4. */
        public Builder correlation(int correlation) {
            this.correlation = correlation;
            return this;
        }

        /** MACE's {@code num_elements}: how many species, each with its own weights. */
        public Builder elements(int elements) {
            this.elements = elements;
            return this;
        }

        /** Which {@code wigner_3j} signs U is built from; MACE checkpoints use {@link CgConvention#LEGACY_E3NN_044}. */
        public Builder convention(CgConvention convention) {
            this.convention = convention;
            return this;
        }

        public SymmetricContractionProblem build() {
            return new SymmetricContractionProblem(this);
        }
    }

    public Irreps irrepsIn() {
        return irrepsIn;
    }

    public Irreps irrepsOut() {
        return irrepsOut;
    }

    /** C: the multiplicity of every input and output block. */
    public int channels() {
        return channels;
    }

    /** The input blocks' irreps with multiplicity 1 (MACE's {@code coupling_irreps}). */
    public Irreps couplingIrreps() {
        return coupling;
    }

    /** D = sum over coupling irreps of 2l+1. */
    public int couplingDim() {
        return coupling.dim();
    }

    /** The output irreps, one per output block, in order. */
    public List<Irrep> outputs() {
        return outputs;
    }

    public int correlation() {
        return correlation;
    }

    public int elements() {
        return elements;
    }

    public CgConvention convention() {
        return convention;
    }

    /** Values of x per row: channels x couplingDim. */
    public int inputDim() {
        return channels * coupling.dim();
    }

    /** Values of the output per row: channels x sum over outputs of 2L+1. */
    public int outputDim() {
        int d = 0;
        for (Irrep ir : outputs) {
            d += channels * ir.dim();
        }
        return d;
    }

    /** Start of output block i within an output row. */
    public int outputOffset(int outputIrrep) {
        checkOutput(outputIrrep);
        int d = 0;
        for (int i = 0; i < outputIrrep; i++) {
            d += channels * outputs.get(i).dim();
        }
        return d;
    }

    /**
     * P_nu: the number of columns k of U_nu for output i (MACE's {@code num_params}); 1 when no path
     * reaches the irrep at that order (MACE then keeps a single all-zero column).
     */
    public int numPaths(int outputIrrep, int nu) {
        checkOutputNu(outputIrrep, nu);
        return Math.max(1, paths.get(outputIrrep).get(nu - 1).size());
    }

    /** True when U_nu of output i is MACE's all-zero fallback (no path reaches the irrep at that order). */
    public boolean isZeroBasis(int outputIrrep, int nu) {
        checkOutputNu(outputIrrep, nu);
        return paths.get(outputIrrep).get(nu - 1).isEmpty();
    }

    /** The coupling paths of U_nu for output i, in column order (empty for the all-zero fallback). */
    public List<PathTensor> paths(int outputIrrep, int nu) {
        checkOutputNu(outputIrrep, nu);
        return paths.get(outputIrrep).get(nu - 1);
    }

    /**
     * MACE's state-dict weight names in the order of the flat weight vector: for each output i,
     * {@code contractions.i.weights_max} (nu = correlation), then {@code contractions.i.weights.J} for
     * J = 0..correlation-2 (nu = correlation-1-J).
     */
    public List<String> weightNames() {
        return List.copyOf(weightIndex.keySet());
    }

    /** [elements, P_nu, channels] of a weight named as in {@link #weightNames()}. */
    public int[] weightShape(String name) {
        int[] at = weightAt(name);
        return weightShape(at[0], at[1]);
    }

    /** [elements, P_nu, channels] of W_nu for output i. */
    public int[] weightShape(int outputIrrep, int nu) {
        return new int[] {elements, numPaths(outputIrrep, nu), channels};
    }

    /** Start of the named weight in the flat weight vector. */
    public int weightOffset(String name) {
        int[] at = weightAt(name);
        return weightOffset(at[0], at[1]);
    }

    /** Start of W_nu of output i in the flat weight vector; W[z, k, c] is at offset + (z P_nu + k) C + c. */
    public int weightOffset(int outputIrrep, int nu) {
        checkOutputNu(outputIrrep, nu);
        return weightOffset[outputIrrep][nu - 1];
    }

    /** The order nu of a named weight. */
    public int weightOrder(String name) {
        return weightAt(name)[1];
    }

    /** The output index of a named weight. */
    public int weightOutput(String name) {
        return weightAt(name)[0];
    }

    /**
     * True for a weight MACE replaces by a frozen all-zero {@code EmptyParam} (no gradient in PyTorch):
     * MACE flags each order nu whose U_nu is all zero, then freezes {@code weights_max} for nu = correlation
     * but, for the lower orders, {@code weights.(nu-1)} — which is order correlation-nu, not nu, when
     * correlation >= 3 (MACE's index quirk, reproduced here). A loaded state dict holds zeros there, so
     * forward agrees; this engine still returns the mathematical gradient of every weight, so a trainer
     * that must behave like MACE masks the gradients of these weights.
     */
    public boolean weightFrozenByMace(String name) {
        int[] at = weightAt(name);
        int i = at[0];
        int nu = at[1];
        if (nu == correlation) {
            return isZeroBasis(i, correlation);
        }
        int j = correlation - 1 - nu; // weights.j
        return isZeroBasis(i, j + 1);
    }

    /** Length of the flat weight vector (every weight of {@link #weightNames()}). */
    public int weightNumel() {
        return weightNumel;
    }

    /**
     * MACE's buffer shape of {@code contractions.i.U_matrix_nu}: (2L+1, D, .., D, P_nu) with every
     * axis of size 1 but the last dropped (MACE squeezes each path); for the all-zero fallback
     * (D, .., D, 1) with the first axis only when 2L+1 > 1.
     */
    public int[] basisShape(int outputIrrep, int nu) {
        checkOutputNu(outputIrrep, nu);
        int dimL = outputs.get(outputIrrep).dim();
        int d = coupling.dim();
        List<Integer> shape = new ArrayList<>();
        boolean zero = isZeroBasis(outputIrrep, nu);
        if (dimL != 1) {
            shape.add(dimL);
        }
        for (int n = 0; n < nu; n++) {
            if (zero || d != 1) {
                shape.add(d);
            }
        }
        shape.add(numPaths(outputIrrep, nu));
        return shape.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * U_nu of output i as MACE's {@code contractions.i.U_matrix_nu} buffer, flat row-major over
     * [M, d1, .., dnu, k] (see {@link #basisShape}). Dense: (2L+1) D^nu P_nu values, a fresh array.
     */
    public double[] basis(int outputIrrep, int nu) {
        checkOutputNu(outputIrrep, nu);
        int p = numPaths(outputIrrep, nu);
        long dnu = 1;
        for (int n = 0; n < nu; n++) {
            dnu *= coupling.dim();
        }
        long size = outputs.get(outputIrrep).dim() * dnu * p;
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("U_" + nu + " of output " + outputIrrep + " has " + size
                    + " values, too many for one dense array");
        }
        double[] u = new double[(int) size];
        List<PathTensor> cols = paths.get(outputIrrep).get(nu - 1);
        for (int k = 0; k < cols.size(); k++) {
            PathTensor t = cols.get(k);
            for (int e = 0; e < t.size(); e++) {
                u[(int) (((long) t.comp(e) * dnu + t.flat(e)) * p + k)] = t.value(e);
            }
        }
        return u;
    }

    /** MACE's buffer name of U_nu for output i: {@code contractions.i.U_matrix_nu}. */
    public String basisName(int outputIrrep, int nu) {
        checkOutputNu(outputIrrep, nu);
        return "contractions." + outputIrrep + ".U_matrix_" + nu;
    }

    /**
     * The whole contraction as one sparse polynomial per output (U summed over permutations of its
     * input axes, on sorted monomials of x), shared by all nodes and channels; what the CPU engine
     * evaluates and a GPU generator unrolls.
     */
    public SymmetricPolynomial polynomial() {
        SymmetricPolynomial p = polynomial;
        if (p == null) {
            synchronized (this) {
                p = polynomial;
                if (p == null) {
                    p = SymmetricPolynomial.of(this);
                    polynomial = p;
                }
            }
        }
        return p;
    }

    private int[] weightAt(String name) {
        int[] at = name == null ? null : weightIndex.get(name);
        if (at == null) {
            throw new IllegalArgumentException("no weight named '" + name + "'; this problem's weights are "
                    + weightIndex.keySet());
        }
        return at;
    }

    private void checkOutput(int i) {
        if (i < 0 || i >= outputs.size()) {
            throw new IllegalArgumentException("outputIrrep must be in 0.." + (outputs.size() - 1) + ", got " + i);
        }
    }

    private void checkOutputNu(int i, int nu) {
        checkOutput(i);
        if (nu < 1 || nu > correlation) {
            throw new IllegalArgumentException("nu must be in 1.." + correlation + ", got " + nu);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SymmetricContractionProblem q && irrepsIn.equals(q.irrepsIn)
                && irrepsOut.equals(q.irrepsOut) && correlation == q.correlation && elements == q.elements
                && convention == q.convention;
    }

    @Override
    public int hashCode() {
        return ((irrepsIn.hashCode() * 31 + irrepsOut.hashCode()) * 31 + correlation * 97 + elements) * 31
                + convention.ordinal();
    }

    @Override
    public String toString() {
        return "SymmetricContraction(" + irrepsIn + " -> " + irrepsOut + ", correlation " + correlation
                + ", " + elements + " elements, " + convention + ")";
    }
}
