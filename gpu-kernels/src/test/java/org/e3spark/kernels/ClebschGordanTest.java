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

class ClebschGordanTest {

    static java.util.stream.Stream<Golden.Release> releases() {
        return Golden.RELEASES.stream();
    }

    /** e3nn 0.6.0's wigner_3j with the current signs, e3nn 0.4.4's with the legacy ones. */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("releases")
    void matchesEveryE3nnGoldenTripleUpToL6(Golden.Release release) {
        JsonNode g = Golden.read(release.folder(), "wigner_3j.json");
        int count = 0;
        for (JsonNode e : g.get("entries")) {
            int l1 = e.get("l1").asInt();
            int l2 = e.get("l2").asInt();
            int l3 = e.get("l3").asInt();
            double[] expected = Golden.doubles(e, "values");
            double[] actual = ClebschGordan.wigner3j(l1, l2, l3, release.convention());
            Tolerance.assertClose(expected, actual, Tolerance.FLOAT64, "wigner_3j(" + l1 + "," + l2 + "," + l3 + ")");
            count++;
        }
        assertTrue(count > 100, "golden file had only " + count + " entries");
    }

    /**
     * The legacy sign table is e3nn 0.4.4's rule applied to the current tensors: each sorted triple made
     * positive at [l1, l2, l3], else at its first nonzero entry (golden/README.md), to l = 11.
     */
    @Test
    void legacySignsFollowE3nn044sRuleToL11() {
        int negated = 0;
        for (int l3 = 0; l3 <= CgConvention.LEGACY_MAX_L; l3++) {
            for (int l2 = 0; l2 <= l3; l2++) {
                for (int l1 = 0; l1 <= l2; l1++) {
                    if (!ClebschGordan.isTriangle(l1, l2, l3)) {
                        continue;
                    }
                    double[] c = ClebschGordan.wigner3j(l1, l2, l3);
                    double v = c[(l1 * (2 * l2 + 1) + l2) * (2 * l3 + 1) + l3];
                    if (Math.abs(v) < 1e-12) {
                        for (double e : c) {
                            if (Math.abs(e) > 1e-12) {
                                v = e;
                                break;
                            }
                        }
                    }
                    int expected = v < 0 ? -1 : 1;
                    negated += v < 0 ? 1 : 0;
                    assertEquals(expected, CgConvention.LEGACY_E3NN_044.sign(l1, l2, l3), l1 + "," + l2 + "," + l3);
                    assertEquals(expected, CgConvention.LEGACY_E3NN_044.sign(l3, l1, l2), l3 + "," + l1 + "," + l2);
                }
            }
        }
        assertEquals(44, negated);
        assertThrows(IllegalArgumentException.class, () -> CgConvention.LEGACY_E3NN_044.sign(1, 12, 12));
        assertEquals(1, CgConvention.E3NN.sign(1, 12, 12));
    }

    @Test
    void knownSmallTensors() {
        double s3 = 1 / Math.sqrt(3);
        double[] c110 = ClebschGordan.wigner3j(1, 1, 0);
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                assertEquals(i == j ? s3 : 0, c110[i * 3 + j], 1e-15);
            }
        }
        double[] c111 = ClebschGordan.wigner3j(1, 1, 1);
        double s6 = 1 / Math.sqrt(6);
        assertEquals(s6, c111[(0 * 3 + 1) * 3 + 2], 1e-15); // eps_xyz
        assertEquals(-s6, c111[(1 * 3 + 0) * 3 + 2], 1e-15);
        for (int l = 0; l <= 8; l++) {
            double[] c = ClebschGordan.wigner3j(0, l, l);
            int d = 2 * l + 1;
            for (int a = 0; a < d; a++) {
                for (int b = 0; b < d; b++) {
                    assertEquals(a == b ? 1 / Math.sqrt(d) : 0, c[a * d + b], 1e-14, "w3j(0," + l + "," + l + ")");
                }
            }
        }
    }

    @Test
    void hasUnitNormAndIntertwinesRotationsUpToL12() {
        Random rng = new Random(12);
        double[] r = RandomData.rotation(rng);
        for (int l1 = 0; l1 <= 12; l1 += 1) {
            for (int l2 = Math.max(0, l1 - 3); l2 <= Math.min(12, l1 + 3); l2++) {
                for (int l3 = Math.abs(l1 - l2); l3 <= Math.min(12, l1 + l2); l3 += 2) {
                    double[] c = ClebschGordan.wigner3j(l1, l2, l3);
                    double norm = Math.sqrt(RandomData.dot(c, c));
                    assertEquals(1.0, norm, 1e-13, "norm of w3j(" + l1 + "," + l2 + "," + l3 + ")");
                    assertIntertwines(c, l1, l2, l3, r);
                }
            }
        }
    }

    /** sum_ij C[i,j,k] D1[i,i'] D2[j,j'] = sum_k' D3[k,k'] C[i',j',k'] for all i', j', k. */
    private static void assertIntertwines(double[] c, int l1, int l2, int l3, double[] r) {
        int d1 = 2 * l1 + 1;
        int d2 = 2 * l2 + 1;
        int d3 = 2 * l3 + 1;
        double[] a = WignerD.of(l1, r);
        double[] b = WignerD.of(l2, r);
        double[] cc = WignerD.of(l3, r);
        double maxErr = 0;
        for (int ip = 0; ip < d1; ip++) {
            for (int jp = 0; jp < d2; jp++) {
                for (int k = 0; k < d3; k++) {
                    double left = 0;
                    for (int i = 0; i < d1; i++) {
                        for (int j = 0; j < d2; j++) {
                            left += c[(i * d2 + j) * d3 + k] * a[i * d1 + ip] * b[j * d2 + jp];
                        }
                    }
                    double right = 0;
                    for (int kp = 0; kp < d3; kp++) {
                        right += cc[k * d3 + kp] * c[(ip * d2 + jp) * d3 + kp];
                    }
                    maxErr = Math.max(maxErr, Math.abs(left - right));
                }
            }
        }
        assertTrue(maxErr < 1e-11, "w3j(" + l1 + "," + l2 + "," + l3 + ") does not intertwine: " + maxErr);
    }

    @Test
    void legacyConventionNegatesExactlyTheListedTriples() {
        double[] now = ClebschGordan.wigner3j(2, 1, 2);
        double[] legacy = ClebschGordan.wigner3j(2, 1, 2, CgConvention.LEGACY_E3NN_044);
        for (int i = 0; i < now.length; i++) {
            assertEquals(-now[i], legacy[i]);
        }
        double[] same = ClebschGordan.wigner3j(2, 2, 2, CgConvention.LEGACY_E3NN_044);
        assertEquals(0.0, Tolerance.relativeError(ClebschGordan.wigner3j(2, 2, 2), same));
        assertEquals(-1, CgConvention.LEGACY_E3NN_044.sign(7, 5, 3));
        assertEquals(1, CgConvention.E3NN.sign(7, 5, 3));
    }

    @Test
    void rejectsTriplesOutsideTheTriangle() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClebschGordan.wigner3j(1, 1, 3));
        assertTrue(e.getMessage().contains("|l1 - l2| <= l3 <= l1 + l2"), e.getMessage());
    }

    @Test
    void returnsCopiesSoCallersCannotCorruptTheCache() {
        double[] c = ClebschGordan.wigner3j(1, 1, 2);
        c[0] = 42;
        assertTrue(ClebschGordan.wigner3j(1, 1, 2)[0] != 42);
    }
}
