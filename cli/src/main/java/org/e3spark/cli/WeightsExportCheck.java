package org.e3spark.cli;

import org.e3spark.model.ComputeTarget;
import org.e3spark.model.Featurizer;
import org.e3spark.model.FeaturizerModel;
import org.e3spark.model.FeaturizerResult;
import org.e3spark.model.NamedTensor;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.e3spark.data.SampleDataset;
import org.e3spark.data.Structure;
import org.e3spark.kernels.Backend;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.TensorProduct;
import org.e3spark.model.internal.Activations;
import org.e3spark.model.internal.EquivariantLinear;
import org.e3spark.model.internal.ModelPlan;
import org.e3spark.model.internal.RadialMlp;

/**
 * Checks weights exported from e3nn (docs/guide.md, section 6) on the Java side:
 * {@code java ... org.e3spark.model.WeightsExportCheck CONFIG.json WEIGHTS.safetensors [REFERENCE.json]}.
 *
 * <ol>
 *   <li>the safetensors file loads for the config (every name and shape, nothing extra);</li>
 *   <li>the bundled sample featurizes with those weights on the default target (CUDA if usable) in float32,
 *       and agrees with the exact CPU path in float64;</li>
 *   <li>with a reference file ({@code docs/scripts/e3nn_reference.py}: e3nn's modules evaluated in float64 on
 *       fixed inputs with the same weights), each piece is recomputed with e3spark's layers and compared:
 *       every {@code o3.Linear} ({@link EquivariantLinear}), each convolution's {@code o3.TensorProduct} fed
 *       the radial MLP's per-edge weights, and the radial MLP ({@link RadialMlp}). The MLP's SiLU is
 *       normalized by a constant that e3nn estimates from random samples and e3spark integrates exactly
 *       (they differ by about 1e-3, see {@link Activations}); with one hidden layer the output is linear in
 *       that constant, so it is compared after rescaling by the ratio, and the ratio itself is reported.</li>
 * </ol>
 * Prints one line per check; exits 1 when any fails.
 */
public final class WeightsExportCheck {

    /** |e3spark - e3nn| allowed, relative to the largest |e3nn| value of the piece (both sides compute in float64). */
    static final double EXACT = 1e-6;
    /** Float32 on the default target against the float64 CPU path, relative to the largest feature. */
    static final double FLOAT32 = 1e-3;
    /** How far e3nn's sampled SiLU normalization may be from the integrated one (Activations says ~1e-3). */
    static final double ACTIVATION_CONSTANT = 3e-3;

    private WeightsExportCheck() {
    }

    public static void main(String[] args) {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: WeightsExportCheck CONFIG.json WEIGHTS.safetensors [REFERENCE.json]");
            System.exit(2);
        }
        List<String> failures = check(Path.of(args[0]), Path.of(args[1]), args.length == 3 ? Path.of(args[2]) : null,
                System.out);
        if (!failures.isEmpty()) {
            System.out.println("FAILED: " + String.join("; ", failures));
            System.exit(1);
        }
        System.out.println("weights export check: all passed");
    }

    /** Runs the checks, printing one line each; returns what failed (empty: all passed). */
    public static List<String> check(Path config, Path weights, Path referenceOrNull, PrintStream out) {
        List<String> failures = new ArrayList<>();
        FeaturizerModel model = FeaturizerModel.load(config, weights);
        out.printf("loaded %s: %d tensors, %d values (%s)%n", model.config().name(), model.weights().size(),
                model.weights().values().stream().mapToInt(NamedTensor::size).sum(), model.origin());
        featurizeSample(model, out, failures);
        if (referenceOrNull != null) {
            compareWithE3nn(model, readJson(referenceOrNull), out, failures);
        }
        return failures;
    }

    private static void featurizeSample(FeaturizerModel model, PrintStream out, List<String> failures) {
        List<Structure> sample = SampleDataset.load();
        FeaturizerResult exact;
        try (Featurizer f = Featurizer.create(model, ComputeTarget.cpu(), DType.FLOAT64)) {
            exact = f.featurize(sample, false);
        }
        FeaturizerResult r;
        String backend;
        try (Featurizer f = Featurizer.create(model, ComputeTarget.auto(-1), DType.FLOAT32)) {
            r = f.featurize(sample, false);
            backend = f.backend().toString();
        }
        double scale = maxAbs(exact.structureFeatures());
        double err = maxDiff(exact.structureFeatures(), r.structureFeatures());
        boolean finite = java.util.Arrays.stream(r.atomFeatures()).allMatch(Double::isFinite);
        boolean ok = finite && r.structureCount() == sample.size() && err <= FLOAT32 * Math.max(1, scale);
        out.printf("%s sample featurized on %s float32: %d structures, %d atoms x %d features; structure features"
                        + " max |float32 - CPU float64| %.2e (largest %.3g)%n", ok ? "ok  " : "FAIL", backend,
                r.structureCount(), r.nodeCount(), r.atomWidth(), err, scale);
        if (!ok) {
            failures.add("sample features on " + backend + (finite ? " differ from the CPU's by " + err : " not finite"));
        }
    }

    private static void compareWithE3nn(FeaturizerModel model, JsonNode ref, PrintStream out, List<String> failures) {
        out.printf("e3nn reference: e3nn %s, torch %s%n", ref.path("e3nn").asText("?"), ref.path("torch").asText("?"));
        ModelPlan plan = model.plan();
        int compared = 0;
        for (JsonNode piece : ref.path("pieces")) {
            String name = piece.path("name").asText();
            String kind = piece.path("kind").asText();
            int rows = piece.path("rows").asInt();
            double[] expected = doubles(piece.path("out"));
            double[] got;
            String irreps;
            double rescale = 1;
            String note = "";
            switch (kind) {
                case "linear" -> {
                    EquivariantLinear lin = linear(plan, name);
                    irreps = lin.in() + " -> " + lin.out();
                    got = lin.forward(doubles(piece.path("x")), rows, model.weights().get(name + ".weight").values());
                }
                case "mlp" -> {
                    ModelPlan.LayerPlan lp = layer(plan, name);
                    RadialMlp mlp = lp.radial();
                    List<Integer> sizes = new ArrayList<>(List.of(mlp.fanIn(0)));
                    for (int j = 0; j < mlp.layers(); j++) {
                        sizes.add(mlp.fanOut(j));
                    }
                    irreps = sizes.toString();
                    double[][] w = new double[mlp.layers()][];
                    for (int j = 0; j < w.length; j++) {
                        w[j] = model.weights().get(lp.prefix() + "radial_mlp.layer" + j + ".weight").values();
                    }
                    got = mlp.forward(doubles(piece.path("x")), rows, w, null);
                    if (mlp.layers() > 1) {
                        double ratio = piece.path("act_cst").asDouble() / Activations.SILU_NORM;
                        note = String.format(" (SiLU constant e3nn/e3spark = 1 %+.2e)", ratio - 1);
                        if (Math.abs(ratio - 1) > ACTIVATION_CONSTANT) {
                            failures.add(name + ": SiLU normalization differs from e3nn's by " + (ratio - 1));
                        }
                        if (mlp.layers() == 2) {
                            rescale = ratio; // out = (c silu(x W0 / sqrt(n0))) W1 / sqrt(n1) is linear in c
                        } else {
                            out.printf("note %s: %d hidden layers, compared at the activation constants' precision%n",
                                    name, mlp.layers() - 1);
                            rescale = Double.NaN;
                        }
                    }
                }
                case "tensor_product" -> {
                    TPProblem conv = layer(plan, name).conv();
                    irreps = conv.in1() + " x " + conv.in2() + " -> " + conv.out();
                    try (TensorProduct tp = TensorProduct.create(conv, Backend.CPU, DType.FLOAT64)) {
                        got = tp.forward(doubles(piece.path("x")), doubles(piece.path("y")), doubles(piece.path("w")), rows);
                    }
                }
                default -> {
                    failures.add(name + ": unknown kind '" + kind + "' in the reference");
                    continue;
                }
            }
            String e3nnIrreps = switch (kind) {
                case "linear" -> piece.path("irreps_in").asText() + " -> " + piece.path("irreps_out").asText();
                case "mlp" -> piece.path("sizes").toString().replace(",", ", ");
                default -> piece.path("irreps_in1").asText() + " x " + piece.path("irreps_in2").asText() + " -> "
                        + piece.path("irreps_out").asText();
            };
            if (!irreps.equals(e3nnIrreps)) {
                out.printf("FAIL %-24s e3spark %s, e3nn %s%n", name, irreps, e3nnIrreps);
                failures.add(name + ": e3spark builds " + irreps + ", e3nn " + e3nnIrreps);
                continue;
            }
            if (got.length != expected.length) {
                failures.add(name + ": " + got.length + " values, e3nn " + expected.length);
                continue;
            }
            double scale = Math.max(1, maxAbs(expected));
            boolean approximate = Double.isNaN(rescale);
            double[] g = got.clone();
            for (int i = 0; i < g.length; i++) {
                g[i] *= approximate ? 1 : rescale;
            }
            double err = maxDiff(expected, g);
            double tol = (approximate ? 1e-2 : EXACT) * scale;
            boolean ok = err <= tol;
            out.printf("%s %-24s %-44s max |e3spark - e3nn| %.2e (tolerance %.0e)%s%n", ok ? "ok  " : "FAIL", name,
                    irreps, err, tol, note);
            if (!ok) {
                failures.add(name + " differs from e3nn by " + err);
            }
            compared++;
        }
        int expectedPieces = 2 + 4 * plan.layers().size();
        if (compared != expectedPieces) {
            failures.add("the reference compared " + compared + " pieces, the architecture has " + expectedPieces);
        }
    }

    private static EquivariantLinear linear(ModelPlan plan, String name) {
        return switch (name) {
            case "embedding" -> plan.embedding();
            case "readout" -> plan.readout();
            default -> {
                ModelPlan.LayerPlan lp = layer(plan, name);
                if (name.endsWith(".linear_up")) {
                    yield lp.linearUp();
                }
                if (name.endsWith(".linear_down")) {
                    yield lp.linearDown();
                }
                throw new IllegalArgumentException("no linear named " + name);
            }
        };
    }

    /** The layer of a name such as layers.1.tp. */
    private static ModelPlan.LayerPlan layer(ModelPlan plan, String name) {
        String[] parts = name.split("\\.");
        if (parts.length < 3 || !parts[0].equals("layers")) {
            throw new IllegalArgumentException("not a layer piece: " + name);
        }
        return plan.layers().get(Integer.parseInt(parts[1]));
    }

    private static JsonNode readJson(Path file) {
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the e3nn reference " + file, e);
        }
    }

    private static double[] doubles(JsonNode array) {
        double[] v = new double[array.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = array.get(i).asDouble();
        }
        return v;
    }

    private static double maxAbs(double[] v) {
        double m = 0;
        for (double x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    private static double maxDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
