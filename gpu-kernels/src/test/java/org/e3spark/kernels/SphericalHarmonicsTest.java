package org.e3spark.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Random;
import org.e3spark.kernels.testing.Golden;
import org.e3spark.kernels.testing.RandomData;
import org.e3spark.kernels.testing.Tolerance;
import org.junit.jupiter.api.Test;

class SphericalHarmonicsTest {

    static java.util.stream.Stream<Golden.Release> releases() {
        return Golden.RELEASES.stream();
    }

    /** Both e3nn releases' files (spherical harmonics carry no CG signs, so they agree). */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("releases")
    void matchesE3nnGoldensInAllNormalizations(Golden.Release release) {
        JsonNode g = Golden.read(release.folder(), "spherical_harmonics.json");
        int lmax = g.get("lmax").asInt();
        double[] v = Golden.doubles(g, "vectors");
        check(g, "normalize_true_component", SphericalHarmonics.evaluate(lmax, v, true, ShNormalization.COMPONENT));
        check(g, "normalize_true_norm", SphericalHarmonics.evaluate(lmax, v, true, ShNormalization.NORM));
        check(g, "normalize_true_integral", SphericalHarmonics.evaluate(lmax, v, true, ShNormalization.INTEGRAL));
        check(g, "normalize_false_component", SphericalHarmonics.evaluate(lmax, v, false, ShNormalization.COMPONENT));
    }

    private static void check(JsonNode g, String field, double[] actual) {
        Tolerance.assertClose(Golden.doubles(g, field), actual, Tolerance.FLOAT64, field);
    }

    @Test
    void lowDegreesAreTheTextbookPolynomials() {
        double[] v = {0.3, -0.5, 0.81};
        double n = Math.sqrt(0.09 + 0.25 + 0.6561);
        double x = 0.3 / n;
        double y = -0.5 / n;
        double z = 0.81 / n;
        double[] sh = SphericalHarmonics.evaluate(2, v, true, ShNormalization.COMPONENT);
        double s3 = Math.sqrt(3);
        double s15 = Math.sqrt(15);
        double[] expected = {1, s3 * x, s3 * y, s3 * z, s15 * x * z, s15 * x * y,
                Math.sqrt(5) * (y * y - (x * x + z * z) / 2), s15 * y * z, s15 / 2 * (z * z - x * x)};
        Tolerance.assertClose(expected, sh, 1e-14, "Y^0..Y^2");
    }

    /**
     * e3nn's harmonics of degree l are the l-1 ones coupled with Y^1 through wigner_3j(l-1, 1, l),
     * with a positive factor: this pins the signs of every degree up to 12, beyond the goldens.
     */
    @Test
    void eachDegreeIsThePreviousCoupledWithDegreeOne() {
        Random rng = new Random(3);
        double[] v = RandomData.normal(rng, 3);
        int lmax = SphericalHarmonics.MAX_L;
        double[] sh = SphericalHarmonics.evaluate(lmax, v, true, ShNormalization.COMPONENT);
        for (int l = 2; l <= lmax; l++) {
            int dp = 2 * l - 1;
            int dl = 2 * l + 1;
            double[] c = ClebschGordan.wigner3j(l - 1, 1, l);
            double[] coupled = new double[dl];
            for (int i = 0; i < dp; i++) {
                for (int j = 0; j < 3; j++) {
                    for (int k = 0; k < dl; k++) {
                        coupled[k] += c[(i * 3 + j) * dl + k] * sh[(l - 1) * (l - 1) + i] * sh[1 + j];
                    }
                }
            }
            double[] actual = new double[dl];
            System.arraycopy(sh, l * l, actual, 0, dl);
            double factor = Math.sqrt(RandomData.dot(actual, actual) / RandomData.dot(coupled, coupled));
            for (int k = 0; k < dl; k++) {
                coupled[k] *= factor;
            }
            assertTrue(RandomData.dot(actual, coupled) > 0, "sign of degree " + l);
            Tolerance.assertClose(coupled, actual, 1e-12, "degree " + l + " from degree " + (l - 1));
            assertEquals(2 * l + 1, RandomData.dot(actual, actual), 1e-9, "component normalization of degree " + l);
        }
    }

    @Test
    void rotatingTheVectorRotatesEveryDegreeUpTo12() {
        Random rng = new Random(5);
        double[] r = RandomData.rotation(rng);
        double[] v = RandomData.normal(rng, 3);
        double[] rv = {
                r[0] * v[0] + r[1] * v[1] + r[2] * v[2],
                r[3] * v[0] + r[4] * v[1] + r[5] * v[2],
                r[6] * v[0] + r[7] * v[1] + r[8] * v[2]};
        int lmax = SphericalHarmonics.MAX_L;
        double[] sh = SphericalHarmonics.evaluate(lmax, v, false, ShNormalization.COMPONENT);
        double[] shRotated = SphericalHarmonics.evaluate(lmax, rv, false, ShNormalization.COMPONENT);
        for (int l = 0; l <= lmax; l++) {
            int dl = 2 * l + 1;
            double[] d = WignerD.of(l, r);
            double[] expected = new double[dl];
            for (int m = 0; m < dl; m++) {
                for (int mp = 0; mp < dl; mp++) {
                    expected[m] += d[m * dl + mp] * sh[l * l + mp];
                }
            }
            double[] actual = new double[dl];
            System.arraycopy(shRotated, l * l, actual, 0, dl);
            Tolerance.assertClose(expected, actual, 1e-11, "Y^" + l + "(Rv) = D(R) Y^" + l + "(v)");
        }
    }

    @Test
    void jacobianMatchesCentralDifferences() {
        Random rng = new Random(11);
        int lmax = 8;
        double[] v = RandomData.normal(rng, 12); // 4 vectors
        for (boolean normalize : new boolean[] {true, false}) {
            SphericalHarmonics.WithJacobian wj = SphericalHarmonics.evaluateWithJacobian(lmax, v, normalize,
                    ShNormalization.NORM);
            int d = SphericalHarmonics.dim(lmax);
            double h = 1e-6;
            for (int i = 0; i < v.length; i++) {
                double[] plus = v.clone();
                double[] minus = v.clone();
                plus[i] += h;
                minus[i] -= h;
                double[] yp = SphericalHarmonics.evaluate(lmax, plus, normalize, ShNormalization.NORM);
                double[] ym = SphericalHarmonics.evaluate(lmax, minus, normalize, ShNormalization.NORM);
                int vec = i / 3;
                int axis = i % 3;
                for (int k = 0; k < d; k++) {
                    double fd = (yp[vec * d + k] - ym[vec * d + k]) / (2 * h);
                    double an = wj.jacobian()[(vec * d + k) * 3 + axis];
                    assertEquals(fd, an, 1e-6 * Math.max(1, Math.abs(fd)),
                            "dY_" + k + "/dv_" + axis + " of vector " + vec + ", normalize=" + normalize);
                }
            }
            double[] values = SphericalHarmonics.evaluate(lmax, v, normalize, ShNormalization.NORM);
            Tolerance.assertClose(values, wj.values(), 0.0, "values alongside the Jacobian");
        }
    }

    @Test
    void backwardIsTheVectorJacobianProduct() {
        Random rng = new Random(13);
        int lmax = 5;
        double[] v = RandomData.normal(rng, 9);
        double[] gy = RandomData.normal(rng, 3 * SphericalHarmonics.dim(lmax));
        double[] grad = SphericalHarmonics.backward(lmax, v, true, ShNormalization.COMPONENT, gy);
        double[] dv = RandomData.normal(rng, 9);
        double h = 1e-6;
        double fp = RandomData.dot(gy, SphericalHarmonics.evaluate(lmax, RandomData.axpy(v, h, dv), true, ShNormalization.COMPONENT));
        double fm = RandomData.dot(gy, SphericalHarmonics.evaluate(lmax, RandomData.axpy(v, -h, dv), true, ShNormalization.COMPONENT));
        assertEquals((fp - fm) / (2 * h), RandomData.dot(grad, dv), 1e-6);
    }

    @Test
    void zeroVectorNormalizesToZeroAsTorchDoes() {
        double[] sh = SphericalHarmonics.evaluate(2, new double[3], true, ShNormalization.COMPONENT);
        assertEquals(1.0, sh[0]);
        for (int k = 1; k < sh.length; k++) {
            assertEquals(0.0, sh[k]);
        }
    }

    @Test
    void rejectsBadInput() {
        assertThrows(IllegalArgumentException.class, () -> SphericalHarmonics.evaluate(13, new double[3], true,
                ShNormalization.COMPONENT));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SphericalHarmonics.evaluate(2, new double[4], true, ShNormalization.COMPONENT));
        assertTrue(e.getMessage().contains("multiple of 3"), e.getMessage());
    }
}
