package org.e3spark.kernels;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A tensor-product problem, with e3nn's {@code o3.TensorProduct} constructor semantics: three
 * irreps, a list of instructions, normalizations, input/output variances, shared or per-row
 * weights, and the feature layout. Immutable, validated on {@link Builder#build()}, and comparable
 * by value (it is the key every compiled kernel is cached under).
 *
 * <p>Weights are e3nn's flat vector: the instructions' W blocks concatenated in instruction
 * order, each row-major in its own index order, (m1, m2) for uvu and (m1, m2, mo) for uvw;
 * weightless instructions take no slice.
 */
public final class TPProblem {

    private final Irreps in1;
    private final Irreps in2;
    private final Irreps out;
    private final List<Instruction> instructions;
    private final IrrepNormalization irrepNormalization;
    private final PathNormalization pathNormalization;
    private final double[] in1Variances;
    private final double[] in2Variances;
    private final double[] outVariances;
    private final boolean sharedWeights;
    private final Layout layout;
    private final CgConvention cgConvention;
    // derived
    private final double[] coefficients;
    private final int[] weightOffsets;
    private final int weightNumel;

    private TPProblem(Builder b) {
        this.in1 = b.in1;
        this.in2 = b.in2;
        this.out = b.out;
        this.instructions = List.copyOf(b.instructions);
        this.irrepNormalization = b.irrepNormalization;
        this.pathNormalization = b.pathNormalization;
        this.in1Variances = variances("in1", b.in1Variances, in1);
        this.in2Variances = variances("in2", b.in2Variances, in2);
        this.outVariances = variances("out", b.outVariances, out);
        this.sharedWeights = b.sharedWeights;
        this.layout = b.layout;
        this.cgConvention = b.cgConvention;
        for (int k = 0; k < instructions.size(); k++) {
            validate(k, instructions.get(k));
        }
        this.coefficients = new double[instructions.size()];
        this.weightOffsets = new int[instructions.size()];
        int offset = 0;
        for (int k = 0; k < instructions.size(); k++) {
            Instruction ins = instructions.get(k);
            coefficients[k] = computeCoefficient(k) * cgConvention.sign(in1.get(ins.in1()).l(),
                    in2.get(ins.in2()).l(), out.get(ins.out()).l());
            weightOffsets[k] = offset;
            offset = Math.addExact(offset, weightSize(k));
        }
        this.weightNumel = offset;
    }

    public static Builder builder(Irreps in1, Irreps in2, Irreps out) {
        return new Builder(in1, in2, out);
    }

    private static double[] variances(String name, double[] given, Irreps irreps) {
        if (given == null) {
            double[] ones = new double[irreps.size()];
            Arrays.fill(ones, 1.0);
            return ones;
        }
        if (given.length != irreps.size()) {
            throw new IllegalArgumentException(name + " variances have " + given.length
                    + " entries but irreps " + irreps + " have " + irreps.size() + " blocks");
        }
        for (int k = 0; k < given.length; k++) {
            if (!Double.isFinite(given[k]) || given[k] < 0) {
                throw new IllegalArgumentException(name + " variance of block " + k + " must be finite and >= 0, got "
                        + given[k]);
            }
        }
        return given.clone();
    }

    private void validate(int k, Instruction ins) {
        String where = "instruction " + k + " " + ins;
        checkIndex(where, "in1", ins.in1(), in1);
        checkIndex(where, "in2", ins.in2(), in2);
        checkIndex(where, "out", ins.out(), out);
        MulIr a = in1.get(ins.in1());
        MulIr b = in2.get(ins.in2());
        MulIr c = out.get(ins.out());
        if (c.irrep().parity() != a.irrep().parity() * b.irrep().parity()) {
            throw new IllegalArgumentException(where + ": parity of " + a.irrep() + " x " + b.irrep()
                    + " is " + (a.irrep().parity() * b.irrep().parity() > 0 ? "even" : "odd")
                    + " but output block " + ins.out() + " is " + c.irrep());
        }
        if (!ClebschGordan.isTriangle(a.l(), b.l(), c.l())) {
            throw new IllegalArgumentException(where + ": " + a.irrep() + " x " + b.irrep() + " cannot give l = "
                    + c.l() + " (triangle rule: " + Math.abs(a.l() - b.l()) + " <= l <= " + (a.l() + b.l()) + ")");
        }
        if (Math.max(a.l(), Math.max(b.l(), c.l())) > ClebschGordan.MAX_L) {
            throw new IllegalArgumentException(where + ": degrees above " + ClebschGordan.MAX_L + " are not supported");
        }
        switch (ins.mode()) {
            case UVU -> {
                if (c.mul() != a.mul()) {
                    throw new IllegalArgumentException(where + ": uvu needs the output block's multiplicity ("
                            + c + ") to equal input 1's (" + a + ")");
                }
            }
            case UVW -> {
                if (!ins.hasWeight()) {
                    throw new IllegalArgumentException(where + ": uvw needs weights (e3nn defines no weightless uvw)");
                }
            }
        }
    }

    private static void checkIndex(String where, String name, int index, Irreps irreps) {
        if (index < 0 || index >= irreps.size()) {
            throw new IllegalArgumentException(where + ": " + name + " block index " + index + " is out of range; "
                    + name + " irreps " + irreps + " have " + irreps.size() + " blocks");
        }
    }

    /** e3nn's fan-in of a path: m2 for uvu, m1 * m2 for uvw. */
    private int fanIn(Instruction ins) {
        int m1 = in1.get(ins.in1()).mul();
        int m2 = in2.get(ins.in2()).mul();
        return switch (ins.mode()) {
            case UVU -> m2;
            case UVW -> m1 * m2;
        };
    }

    private double computeCoefficient(int k) {
        Instruction ins = instructions.get(k);
        double alpha = irrepNormalization.alpha0(in1.get(ins.in1()).l(), in2.get(ins.in2()).l(), out.get(ins.out()).l());
        double f = switch (pathNormalization) {
            case ELEMENT -> {
                double sum = 0;
                for (Instruction j : instructions) {
                    if (j.out() == ins.out()) {
                        sum += in1Variances[j.in1()] * in2Variances[j.in2()] * fanIn(j);
                    }
                }
                yield sum;
            }
            case PATH -> {
                long paths = instructions.stream().filter(j -> j.out() == ins.out()).count();
                yield in1Variances[ins.in1()] * in2Variances[ins.in2()] * fanIn(ins) * paths;
            }
            case NONE -> 1.0;
        };
        if (f > 0) {
            alpha /= f;
        }
        alpha *= outVariances[ins.out()];
        alpha *= ins.pathWeight();
        return Math.sqrt(alpha);
    }

    private int weightSize(int k) {
        Instruction ins = instructions.get(k);
        if (!ins.hasWeight()) {
            return 0;
        }
        int size = 1;
        for (int s : weightShape(k)) {
            size = Math.multiplyExact(size, s);
        }
        return size;
    }

    public Irreps in1() {
        return in1;
    }

    public Irreps in2() {
        return in2;
    }

    public Irreps out() {
        return out;
    }

    public List<Instruction> instructions() {
        return instructions;
    }

    public Instruction instruction(int k) {
        return instructions.get(k);
    }

    public IrrepNormalization irrepNormalization() {
        return irrepNormalization;
    }

    public PathNormalization pathNormalization() {
        return pathNormalization;
    }

    public boolean sharedWeights() {
        return sharedWeights;
    }

    public Layout layout() {
        return layout;
    }

    /** Which {@code wigner_3j} sign convention the paths use; {@link CgConvention#E3NN} by default. */
    public CgConvention cgConvention() {
        return cgConvention;
    }

    /**
     * The final coefficient c of instruction k (e3nn's {@code path_weight} after normalization), times
     * the sign the CG convention gives the path's triple (-1 where e3nn 0.4.4 negates its tensor), so every
     * engine gets the convention from this one number.
     */
    public double pathCoefficient(int k) {
        return coefficients[k];
    }

    /** Length of the flat weight vector of one row (or of the whole batch when shared). */
    public int weightNumel() {
        return weightNumel;
    }

    /** Start of instruction k's W block in the flat weight vector. */
    public int weightOffset(int k) {
        return weightOffsets[k];
    }

    /** e3nn's per-instruction weight shape: (m1, m2) for uvu, (m1, m2, mo) for uvw, () if weightless. */
    public int[] weightShape(int k) {
        Instruction ins = instructions.get(k);
        if (!ins.hasWeight()) {
            return new int[0];
        }
        int m1 = in1.get(ins.in1()).mul();
        int m2 = in2.get(ins.in2()).mul();
        return switch (ins.mode()) {
            case UVU -> new int[] {m1, m2};
            case UVW -> new int[] {m1, m2, out.get(ins.out()).mul()};
        };
    }

    /** True when every instruction is of this mode. */
    public boolean allOfMode(ConnectionMode mode) {
        return instructions.stream().allMatch(i -> i.mode() == mode);
    }

    public double[] in1Variances() {
        return in1Variances.clone();
    }

    public double[] in2Variances() {
        return in2Variances.clone();
    }

    public double[] outVariances() {
        return outVariances.clone();
    }

    /** A copy of this problem in another feature layout. */
    public TPProblem withLayout(Layout newLayout) {
        return toBuilder().layout(newLayout).build();
    }

    /** A copy of this problem with shared or per-row weights. */
    public TPProblem withSharedWeights(boolean shared) {
        return toBuilder().sharedWeights(shared).build();
    }

    public Builder toBuilder() {
        Builder b = new Builder(in1, in2, out);
        b.instructions.addAll(instructions);
        b.irrepNormalization = irrepNormalization;
        b.pathNormalization = pathNormalization;
        b.in1Variances = in1Variances.clone();
        b.in2Variances = in2Variances.clone();
        b.outVariances = outVariances.clone();
        b.sharedWeights = sharedWeights;
        b.layout = layout;
        b.cgConvention = cgConvention;
        return b;
    }

    /**
     * A canonical, deterministic text of everything that defines the computation. Two problems with
     * equal descriptions compute the same function; kernel caches hash it.
     */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("in1=").append(in1).append(";in2=").append(in2).append(";out=").append(out);
        sb.append(";irrep_normalization=").append(irrepNormalization).append(";path_normalization=").append(pathNormalization);
        sb.append(";shared_weights=").append(sharedWeights).append(";layout=").append(layout);
        sb.append(";in1_var=").append(Arrays.toString(in1Variances));
        sb.append(";in2_var=").append(Arrays.toString(in2Variances));
        sb.append(";out_var=").append(Arrays.toString(outVariances));
        if (cgConvention != CgConvention.E3NN) {
            sb.append(";cg=").append(cgConvention);
        }
        sb.append(";instructions=");
        for (Instruction i : instructions) {
            sb.append(i);
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TPProblem p && describe().equals(p.describe());
    }

    @Override
    public int hashCode() {
        return describe().hashCode();
    }

    @Override
    public String toString() {
        return "TPProblem[" + in1 + " x " + in2 + " -> " + out + ", " + instructions.size() + " instructions, "
                + (sharedWeights ? "shared" : "per-row") + " weights, " + layout + "]";
    }

    /** Builder with e3nn's defaults: component / element normalization, unit variances, per-row weights, mul_ir. */
    public static final class Builder {
        private final Irreps in1;
        private final Irreps in2;
        private final Irreps out;
        private final List<Instruction> instructions = new ArrayList<>();
        private IrrepNormalization irrepNormalization = IrrepNormalization.COMPONENT;
        private PathNormalization pathNormalization = PathNormalization.ELEMENT;
        private double[] in1Variances;
        private double[] in2Variances;
        private double[] outVariances;
        private boolean sharedWeights = false;
        private Layout layout = Layout.MUL_IR;
        private CgConvention cgConvention = CgConvention.E3NN;

        private Builder(Irreps in1, Irreps in2, Irreps out) {
            this.in1 = Objects.requireNonNull(in1, "irreps in1");
            this.in2 = Objects.requireNonNull(in2, "irreps in2");
            this.out = Objects.requireNonNull(out, "irreps out");
        }

        public Builder instruction(int in1, int in2, int out, ConnectionMode mode, boolean hasWeight, double pathWeight) {
            instructions.add(new Instruction(in1, in2, out, mode, hasWeight, pathWeight));
            return this;
        }

        /** A weighted instruction with path weight 1. */
        public Builder instruction(int in1, int in2, int out, ConnectionMode mode) {
            return instruction(in1, in2, out, mode, true, 1.0);
        }

        public Builder instruction(Instruction ins) {
            instructions.add(Objects.requireNonNull(ins, "instruction"));
            return this;
        }

        public Builder irrepNormalization(IrrepNormalization n) {
            this.irrepNormalization = Objects.requireNonNull(n, "irrep normalization");
            return this;
        }

        public Builder pathNormalization(PathNormalization n) {
            this.pathNormalization = Objects.requireNonNull(n, "path normalization");
            return this;
        }

        /** e3nn's {@code in1_var}: one variance per block of input 1 (default all 1). */
        public Builder in1Variances(double... v) {
            this.in1Variances = v.clone();
            return this;
        }

        public Builder in2Variances(double... v) {
            this.in2Variances = v.clone();
            return this;
        }

        public Builder outVariances(double... v) {
            this.outVariances = v.clone();
            return this;
        }

        public Builder sharedWeights(boolean shared) {
            this.sharedWeights = shared;
            return this;
        }

        public Builder layout(Layout layout) {
            this.layout = Objects.requireNonNull(layout, "layout");
            return this;
        }

        /** e3nn >= 0.5's CG signs (the default) or e3nn 0.4.4's ({@link CgConvention#LEGACY_E3NN_044}, MACE's). */
        public Builder cgConvention(CgConvention convention) {
            this.cgConvention = Objects.requireNonNull(convention, "cgConvention");
            return this;
        }

        public TPProblem build() {
            return new TPProblem(this);
        }
    }
}
