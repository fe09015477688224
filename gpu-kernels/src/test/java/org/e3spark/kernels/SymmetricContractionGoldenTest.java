package org.e3spark.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.e3spark.kernels.testing.Golden;
import org.e3spark.kernels.testing.RandomData;
import org.e3spark.kernels.testing.SafeTensorsFile;
import org.e3spark.kernels.testing.ScGolden;
import org.e3spark.kernels.testing.Tolerance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every MACE symmetric-contraction golden ({@code golden/mace/e3nn-*}/sc_*): the U buffers e3spark
 * builds equal MACE's, and forward and backward equal MACE's with the state dict's weights.
 */
class SymmetricContractionGoldenTest {

    /** Relative error allowed against MACE's outputs and gradients in float64: SPEC §8's 1e-12 (measured ~5e-16). */
    static final double FLOAT64_VS_MACE = Tolerance.FLOAT64;

    static Stream<ScGolden> files() {
        return ScGolden.all().stream();
    }

    static Stream<Arguments> runs() {
        List<Arguments> runs = new ArrayList<>();
        for (ScGolden c : ScGolden.all()) {
            for (Backend b : new Backend[] {Backend.CPU, Backend.CPU_REFERENCE}) {
                runs.add(Arguments.of(c, b));
            }
        }
        return runs.stream();
    }

    static SafeTensorsFile stateDict(ScGolden c, JsonNode g) {
        return SafeTensorsFile.readGzip(Golden.dir(c.folder()).resolve(g.get("state_dict_file").asText() + ".gz"));
    }

    /** The state dict's weights flattened in weightNames order. */
    static double[] weights(SymmetricContractionProblem p, SafeTensorsFile sd) {
        double[] w = new double[p.weightNumel()];
        for (String name : p.weightNames()) {
            SafeTensorsFile.Tensor t = sd.get(name);
            assertArrayEquals(t.shape(), p.weightShape(name), name + " shape");
            System.arraycopy(t.values(), 0, w, p.weightOffset(name), t.values().length);
        }
        return w;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void basisEqualsMaceBuffers(ScGolden c) {
        JsonNode g = c.read();
        SymmetricContractionProblem p = c.problem(g);
        SafeTensorsFile sd = stateDict(c, g);
        int buffers = 0;
        for (int i = 0; i < p.outputs().size(); i++) {
            for (int nu = 1; nu <= p.correlation(); nu++) {
                SafeTensorsFile.Tensor t = sd.get(p.basisName(i, nu));
                assertArrayEquals(t.shape(), p.basisShape(i, nu), p.basisName(i, nu) + " shape");
                double[] mine = p.basis(i, nu);
                assertEquals(t.values().length, mine.length, p.basisName(i, nu) + " size");
                double maxDiff = 0;
                for (int e = 0; e < mine.length; e++) {
                    maxDiff = Math.max(maxDiff, Math.abs(mine[e] - t.values()[e]));
                }
                assertTrue(maxDiff <= 1e-12, p.basisName(i, nu) + ": max abs difference " + maxDiff);
                buffers++;
            }
        }
        assertEquals(p.outputs().size() * p.correlation(), buffers);
        // every weight of the state dict is named, and nothing else
        long weightsInFile = sd.all().keySet().stream().filter(n -> n.contains("weights")).count();
        assertEquals(weightsInFile, p.weightNames().size(), "weight count " + p.weightNames());
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("runs")
    void float64MatchesMace(ScGolden c, Backend backend) {
        JsonNode g = c.read();
        SymmetricContractionProblem p = c.problem(g);
        double[] w = weights(p, stateDict(c, g));
        int batch = g.get("batch").asInt();
        double[] x = Golden.doubles(g, "x");
        int[] species = Golden.ints(g, "species");
        double[] gOut = Golden.doubles(g, "grad_out");
        try (SymmetricContraction sc = SymmetricContraction.create(p, backend, DType.FLOAT64)) {
            Tolerance.assertClose(Golden.doubles(g, "out"), sc.forward(x, species, w, batch), FLOAT64_VS_MACE,
                    c + " out");
            SymmetricContraction.Gradients<double[]> gr = sc.backward(x, species, w, gOut, batch);
            Tolerance.assertClose(Golden.doubles(g, "grad_x"), gr.x(), FLOAT64_VS_MACE, c + " grad_x");
            checkWeightGradients(g, p, gr.w(), FLOAT64_VS_MACE, c.toString());
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("runs")
    void float32MeetsSpecTolerances(ScGolden c, Backend backend) {
        JsonNode g = c.read();
        SymmetricContractionProblem p = c.problem(g);
        float[] w = RandomData.toFloat(weights(p, stateDict(c, g)));
        int batch = g.get("batch").asInt();
        float[] x = RandomData.toFloat(Golden.doubles(g, "x"));
        int[] species = Golden.ints(g, "species");
        float[] gOut = RandomData.toFloat(Golden.doubles(g, "grad_out"));
        try (SymmetricContraction sc = SymmetricContraction.create(p, backend, DType.FLOAT32)) {
            Tolerance.assertClose(Golden.doubles(g, "out"), sc.forward(x, species, w, batch),
                    Tolerance.FLOAT32_FORWARD, c + " out f32");
            SymmetricContraction.Gradients<float[]> gr = sc.backward(x, species, w, gOut, batch);
            Tolerance.assertClose(Golden.doubles(g, "grad_x"), gr.x(), Tolerance.FLOAT32_BACKWARD, c + " grad_x f32");
            checkWeightGradients(g, p, RandomData.toDouble(gr.w()), Tolerance.FLOAT32_BACKWARD, c + " f32");
        }
    }

    /** Every weight gradient MACE recorded, compared tensor by tensor. */
    private static void checkWeightGradients(JsonNode g, SymmetricContractionProblem p, double[] gw, double tol,
                                             String what) {
        JsonNode recorded = g.get("grad_weights");
        assertFalse(recorded.isEmpty(), "golden has no weight gradients");
        for (String name : p.weightNames()) {
            JsonNode values = recorded.get(name);
            assertTrue(values != null, what + ": golden lacks the gradient of " + name);
            double[] expected = new double[values.size()];
            for (int e = 0; e < expected.length; e++) {
                expected[e] = values.get(e).asDouble();
            }
            double[] mine = new double[expected.length];
            System.arraycopy(gw, p.weightOffset(name), mine, 0, mine.length);
            Tolerance.assertClose(expected, mine, tol, what + " grad " + name);
        }
    }
}
