package org.e3spark.kernels;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The named benchmark problems of SPEC §9 (OpenEquivariance's public suite), shared by the
 * command line, tests and benchmarks so that every figure refers to the same problem.
 */
public final class ProblemCatalog {

    /** A named problem with the peer figures measured on one H100 (ms, float32, batch 50,000). */
    public record Entry(String name, Supplier<TPProblem> problem, double e3nnForwardMs,
                        double oeqForwardMs, double e3nnBackwardMs, double oeqBackwardMs) {
    }

    private static final Map<String, Entry> ENTRIES = new LinkedHashMap<>();

    static {
        add("mace-large", () -> TPProblems.channelwise(
                Irreps.parse("128x0e+128x1o+128x2e"), Irreps.parse("1x0e+1x1o+1x2e+1x3o"),
                Irreps.parse("128x0e+128x1o+128x2e+128x3o")), 10.34, 1.09, 41.19, 2.69);
        add("mace-medium", () -> TPProblems.channelwise(
                Irreps.parse("128x0e+128x1o"), Irreps.parse("1x0e+1x1o+1x2e+1x3o"),
                Irreps.parse("128x0e+128x1o+128x2e")), 3.42, 0.50, 11.30, 1.05);
        add("nequip-lips", () -> {
            Irreps a = Irreps.parse("32x0o+32x0e+32x1o+32x1e+32x2o+32x2e");
            return TPProblems.channelwise(a, Irreps.parse("0e+1o+2e"), a);
        }, 4.97, 0.47, 26.34, 1.26);
        add("nequip-revmd17-benzene", () -> {
            Irreps a = Irreps.parse("64x0o+64x0e+64x1o+64x1e+64x2o+64x2e+64x3o+64x3e");
            return TPProblems.channelwise(a, Irreps.parse("0e+1o+2e+3o"), a);
        }, 28.21, 4.88, 169.03, 14.13);
        add("nequip-water", () -> {
            Irreps a = Irreps.parse("32x0o+32x0e+32x1o+32x1e");
            return TPProblems.channelwise(a, Irreps.parse("0e+1o"), a);
        }, 2.59, 0.16, 6.15, 0.40);
        add("DiffDock-L=2", () -> {
            Irreps a = Irreps.parse("10x1o+10x1e+48x0e+48x0o");
            return TPProblems.fullyConnected(a, Irreps.parse("1x0e+1x1o+1x2e"), a, false);
        }, 3.64, 0.86, 32.01, 2.39);
        add("tetris-poly-2", () -> TPProblems.fullyConnected(
                Irreps.parse("64x0e+24x1e+24x1o+16x2e+16x2o"), Irreps.parse("1x0e+1x1o+1x2e"),
                Irreps.parse("0o+6x0e"), true), 0.94, 0.13, 3.51, 0.75);
    }

    private ProblemCatalog() {
    }

    private static void add(String name, Supplier<TPProblem> problem, double e3nnFwd, double oeqFwd,
                            double e3nnBwd, double oeqBwd) {
        ENTRIES.put(name, new Entry(name, problem, e3nnFwd, oeqFwd, e3nnBwd, oeqBwd));
    }

    /** Names in SPEC order. */
    public static List<String> names() {
        return List.copyOf(ENTRIES.keySet());
    }

    public static Entry entry(String name) {
        Entry e = ENTRIES.get(name);
        if (e == null) {
            throw new IllegalArgumentException("unknown problem '" + name + "'; known: " + String.join(", ", names()));
        }
        return e;
    }

    public static TPProblem problem(String name) {
        return entry(name).problem().get();
    }

    /** Every benchmark problem by name, in SPEC order. */
    public static Map<String, TPProblem> benchmarks() {
        Map<String, TPProblem> all = new LinkedHashMap<>();
        for (String name : names()) {
            all.put(name, problem(name));
        }
        return all;
    }
}
