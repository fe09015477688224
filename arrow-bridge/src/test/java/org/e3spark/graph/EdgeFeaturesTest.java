package org.e3spark.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.SplittableRandom;
import org.e3spark.data.Cell;
import org.e3spark.data.SampleStructures;
import org.e3spark.data.Structure;
import org.e3spark.kernels.WignerD;
import org.e3spark.kernels.testing.Golden;
import org.e3spark.kernels.testing.Tolerance;
import org.junit.jupiter.api.Test;

class EdgeFeaturesTest {

    @Test
    void sphericalHarmonicsOfEdgesMatchE3nnGoldens() {
        JsonNode g = Golden.read("spherical_harmonics.json");
        int lmax = g.get("lmax").asInt();
        double[] v = Golden.doubles(g, "vectors");
        double[] len = new double[v.length / 3];
        for (int e = 0; e < len.length; e++) {
            len[e] = Math.sqrt(v[3 * e] * v[3 * e] + v[3 * e + 1] * v[3 * e + 1] + v[3 * e + 2] * v[3 * e + 2]);
        }
        EdgeFeatures.Values f = EdgeFeatures.mace(lmax, 10.0).compute(v, len);
        Tolerance.assertClose(Golden.doubles(g, "normalize_true_component"), f.sh(), Tolerance.FLOAT64, "edge sh");
    }

    @Test
    void radialBasisIsTheClosedForm() {
        double rc = 5.0;
        for (int p : new int[] {5, 6}) {
            for (BesselBasis.Prefactor pre : BesselBasis.Prefactor.values()) {
                EdgeFeatures ef = new EdgeFeatures(1, new BesselBasis(rc, 8, pre), new PolynomialCutoff(rc, p));
                double[] r = {0.3, 1.0, 2.5, 4.99, 5.0, 7.0};
                double[] vec = new double[3 * r.length];
                for (int e = 0; e < r.length; e++) {
                    vec[3 * e + 2] = r[e];
                }
                EdgeFeatures.Values f = ef.compute(vec, r);
                double c = pre == BesselBasis.Prefactor.MACE ? Math.sqrt(2 / rc) : 2 / rc;
                for (int e = 0; e < r.length; e++) {
                    double x = r[e] / rc;
                    double u = x < 1 ? 1 - (p + 1) * (p + 2) / 2.0 * Math.pow(x, p) + p * (p + 2) * Math.pow(x, p + 1)
                            - p * (p + 1) / 2.0 * Math.pow(x, p + 2) : 0;
                    for (int n = 1; n <= 8; n++) {
                        double expected = c * Math.sin(n * Math.PI * r[e] / rc) / r[e] * u;
                        assertEquals(expected, f.radial()[e * 8 + n - 1], 1e-14, "p " + p + " " + pre + " r " + r[e] + " n " + n);
                    }
                }
            }
        }
    }

    @Test
    void envelopeIsSmoothAtTheCutoff() {
        PolynomialCutoff u = new PolynomialCutoff(4.0, 6);
        assertEquals(1.0, u.value(0), 0);
        assertEquals(0.0, u.value(4.0), 0);
        double h = 1e-4;
        double below = 4.0 - h;
        assertEquals(0.0, (u.value(4.0) - u.value(below)) / h, 1e-6, "u' at the cutoff");
        assertEquals(0.0, (u.value(4.0) - 2 * u.value(below) + u.value(below - h)) / (h * h), 1e-3, "u'' at the cutoff");
        BesselBasis b = new BesselBasis(4.0, 3, BesselBasis.Prefactor.MACE);
        double[] at0 = new double[3];
        double[] near0 = new double[3];
        b.evaluate(0, at0, 0);
        b.evaluate(1e-9, near0, 0);
        Tolerance.assertClose(near0, at0, 1e-9, "limit at r = 0");
        assertThrows(IllegalArgumentException.class, () -> new EdgeFeatures(2, new BesselBasis(4, 8, BesselBasis.Prefactor.MACE),
                new PolynomialCutoff(5, 6)));
        assertThrows(IllegalArgumentException.class, () -> new PolynomialCutoff(4, 0));
        assertThrows(IllegalArgumentException.class, () -> new BesselBasis(4, 0, BesselBasis.Prefactor.MACE));
    }

    @Test
    void featuresAreInvariantAndEquivariantUnderRotation() {
        long seed = 99;
        SplittableRandom rng = new SplittableRandom(seed);
        Structure s = SampleStructures.waterBox(3, 5);
        double[] rot = randomRotation(rng);
        double[] pos = s.positions();
        double[] rows = s.cell().orElseThrow().rows();
        Structure rotated = new Structure(s.id(), s.numbers(), apply(rot, pos), Cell.periodic(apply(rot, rows)));
        RadiusGraph graph = new RadiusGraph(4.0);
        EdgeList a = graph.build(s);
        EdgeList b = graph.build(rotated);
        assertEquals(a.edgeCount(), b.edgeCount());
        int lmax = 3;
        EdgeFeatures ef = EdgeFeatures.nequip(lmax, 4.0);
        EdgeFeatures.Values fa = ef.compute(a);
        EdgeFeatures.Values fb = ef.compute(b);
        Tolerance.assertClose(fa.radial(), fb.radial(), 1e-11, "radial features under rotation");
        int d = ef.shDim();
        for (int e = 0; e < a.edgeCount(); e++) {
            assertEquals(a.receiver(e), b.receiver(e));
            assertEquals(a.sender(e), b.sender(e));
            for (int l = 0; l <= lmax; l++) {
                double[] dl = WignerD.of(l, rot);
                int w = 2 * l + 1;
                for (int m = 0; m < w; m++) {
                    double expected = 0;
                    for (int k = 0; k < w; k++) {
                        expected += dl[m * w + k] * fa.sh()[e * d + l * l + k];
                    }
                    assertEquals(expected, fb.sh()[e * d + l * l + m], 1e-10, "Y(Rv) = D(R) Y(v), edge " + e + " l " + l);
                }
            }
        }
    }

    private static double[] apply(double[] rot, double[] rowsOfVectors) {
        double[] out = new double[rowsOfVectors.length];
        for (int i = 0; i < rowsOfVectors.length / 3; i++) {
            for (int r = 0; r < 3; r++) {
                out[3 * i + r] = rot[3 * r] * rowsOfVectors[3 * i] + rot[3 * r + 1] * rowsOfVectors[3 * i + 1]
                        + rot[3 * r + 2] * rowsOfVectors[3 * i + 2];
            }
        }
        return out;
    }

    private static double[] randomRotation(SplittableRandom rng) {
        double[] q = {rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian(), rng.nextGaussian()};
        double n = Math.sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
        double w = q[0] / n;
        double x = q[1] / n;
        double y = q[2] / n;
        double z = q[3] / n;
        return new double[] {
            1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
            2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
            2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)};
    }
}
