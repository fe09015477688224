package org.e3spark.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.e3spark.kernels.testing.Golden;
import org.e3spark.kernels.testing.RandomData;
import org.e3spark.kernels.testing.Tolerance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every e3nn tensor-product golden of both releases (0.6.0 with current CG signs, 0.4.4 with legacy
 * ones), on every CPU backend, in both dtypes and both layouts.
 */
class TensorProductGoldenTest {

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (Golden.Release release : Golden.RELEASES) {
            for (String file : Golden.filesOfKind(release.folder(), "tensor_product")) {
                for (Backend backend : new Backend[] {Backend.CPU, Backend.CPU_REFERENCE}) {
                    for (Layout layout : Layout.values()) {
                        cases.add(Arguments.of(release, file, backend, layout));
                    }
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2} {3}")
    @MethodSource("cases")
    void float64MatchesE3nnInEveryDirection(Golden.Release release, String file, Backend backend, Layout layout) {
        JsonNode g = Golden.read(release.folder(), file);
        TPProblem problem = Golden.problem(g, release.convention()).withLayout(layout);
        checkCoefficientsAndWeights(g, problem);
        int batch = g.get("batch").asInt();
        double[] x = toLayout(problem.in1(), Golden.doubles(g, "x"), layout, batch);
        double[] y = toLayout(problem.in2(), Golden.doubles(g, "y"), layout, batch);
        double[] w = Golden.doubles(g, "w");
        double[] gOut = toLayout(problem.out(), Golden.doubles(g, "grad_out"), layout, batch);
        double[] a = toLayout(problem.in1(), Golden.doubles(g, "dd_seed_x"), layout, batch);
        double[] b = toLayout(problem.in2(), Golden.doubles(g, "dd_seed_y"), layout, batch);
        double[] c = Golden.doubles(g, "dd_seed_w");
        try (TensorProduct tp = TensorProduct.create(problem, backend, DType.FLOAT64)) {
            double[] out = tp.forward(x, y, w, batch);
            expect(g, "out", problem.out(), layout, batch, out, Tolerance.FLOAT64);
            Gradients grads = tp.backward(x, y, w, gOut, batch);
            expect(g, "grad_x", problem.in1(), layout, batch, grads.x(), Tolerance.FLOAT64);
            expect(g, "grad_y", problem.in2(), layout, batch, grads.y(), Tolerance.FLOAT64);
            Tolerance.assertClose(Golden.doubles(g, "grad_w"), grads.w(), Tolerance.FLOAT64, file + " grad_w");
            DoubleGradients dd = tp.doubleBackward(x, y, w, gOut, a, b, c, batch);
            expect(g, "dd_grad_x", problem.in1(), layout, batch, dd.x(), Tolerance.FLOAT64);
            expect(g, "dd_grad_y", problem.in2(), layout, batch, dd.y(), Tolerance.FLOAT64);
            Tolerance.assertClose(Golden.doubles(g, "dd_grad_w"), dd.w(), Tolerance.FLOAT64, file + " dd_grad_w");
            expect(g, "dd_grad_grad_out", problem.out(), layout, batch, dd.gradOut(), Tolerance.FLOAT64);
        }
    }

    @ParameterizedTest(name = "{0} {1} {2} {3}")
    @MethodSource("cases")
    void float32MeetsSpecTolerances(Golden.Release release, String file, Backend backend, Layout layout) {
        JsonNode g = Golden.read(release.folder(), file);
        TPProblem problem = Golden.problem(g, release.convention()).withLayout(layout);
        int batch = g.get("batch").asInt();
        float[] x = RandomData.toFloat(toLayout(problem.in1(), Golden.doubles(g, "x"), layout, batch));
        float[] y = RandomData.toFloat(toLayout(problem.in2(), Golden.doubles(g, "y"), layout, batch));
        float[] w = RandomData.toFloat(Golden.doubles(g, "w"));
        float[] gOut = RandomData.toFloat(toLayout(problem.out(), Golden.doubles(g, "grad_out"), layout, batch));
        float[] a = RandomData.toFloat(toLayout(problem.in1(), Golden.doubles(g, "dd_seed_x"), layout, batch));
        float[] b = RandomData.toFloat(toLayout(problem.in2(), Golden.doubles(g, "dd_seed_y"), layout, batch));
        float[] c = RandomData.toFloat(Golden.doubles(g, "dd_seed_w"));
        try (TensorProduct tp = TensorProduct.create(problem, backend, DType.FLOAT32)) {
            expect(g, "out", problem.out(), layout, batch, RandomData.toDouble(tp.forward(x, y, w, batch)),
                    Tolerance.FLOAT32_FORWARD);
            GradientsF32 grads = tp.backward(x, y, w, gOut, batch);
            expect(g, "grad_x", problem.in1(), layout, batch, RandomData.toDouble(grads.x()), Tolerance.FLOAT32_BACKWARD);
            expect(g, "grad_y", problem.in2(), layout, batch, RandomData.toDouble(grads.y()), Tolerance.FLOAT32_BACKWARD);
            Tolerance.assertClose(Golden.doubles(g, "grad_w"), grads.w(), Tolerance.FLOAT32_BACKWARD, file + " grad_w");
            DoubleGradientsF32 dd = tp.doubleBackward(x, y, w, gOut, a, b, c, batch);
            expect(g, "dd_grad_x", problem.in1(), layout, batch, RandomData.toDouble(dd.x()), Tolerance.FLOAT32_BACKWARD);
            expect(g, "dd_grad_y", problem.in2(), layout, batch, RandomData.toDouble(dd.y()), Tolerance.FLOAT32_BACKWARD);
            Tolerance.assertClose(Golden.doubles(g, "dd_grad_w"), dd.w(), Tolerance.FLOAT32_BACKWARD, file + " dd_grad_w");
            expect(g, "dd_grad_grad_out", problem.out(), layout, batch, RandomData.toDouble(dd.gradOut()),
                    Tolerance.FLOAT32_BACKWARD);
        }
    }

    /** The final path coefficients (e3nn's path_weight times the convention's CG sign) and weight order are e3nn's. */
    private static void checkCoefficientsAndWeights(JsonNode g, TPProblem problem) {
        assertEquals(g.get("weight_numel").asInt(), problem.weightNumel(), "weight_numel");
        int k = 0;
        for (JsonNode ins : g.get("instructions")) {
            Instruction i = problem.instruction(k);
            int sign = problem.cgConvention().sign(problem.in1().get(i.in1()).l(), problem.in2().get(i.in2()).l(),
                    problem.out().get(i.out()).l());
            assertEquals(sign * ins.get("path_weight").asDouble(), problem.pathCoefficient(k), 1e-14,
                    "coefficient of instruction " + k);
            int[] shape = problem.weightShape(k);
            JsonNode expected = ins.get("weight_shape");
            assertEquals(expected.size(), shape.length, "weight shape rank of instruction " + k);
            for (int d = 0; d < shape.length; d++) {
                assertEquals(expected.get(d).asInt(), shape[d], "weight shape of instruction " + k);
            }
            k++;
        }
    }

    private static double[] toLayout(Irreps irreps, double[] mulIr, Layout layout, int rows) {
        if (layout == Layout.MUL_IR) {
            return mulIr;
        }
        double[] out = new double[mulIr.length];
        irreps.convertLayout(mulIr, Layout.MUL_IR, out, layout, rows);
        return out;
    }

    private static void expect(JsonNode g, String field, Irreps irreps, Layout layout, int rows, double[] actual,
                               double tolerance) {
        double[] inLayout = toLayout(irreps, Golden.doubles(g, field), layout, rows);
        Tolerance.assertClose(inLayout, actual, tolerance, g.get("name").asText() + " " + field);
    }
}
