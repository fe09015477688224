package org.e3spark.model;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.e3spark.data.SampleStructures;
import org.e3spark.data.Structure;
import org.e3spark.kernels.DType;
import org.junit.jupiter.api.Test;

/** Forces are minus the gradient of the pooled scalar: central finite differences, zero net force, rotation. */
class FeaturizerForcesTest {

    static final long SEED = 99;

    private static Structure jiggled(Structure s, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[] p = s.positions();
        for (int i = 0; i < p.length; i++) {
            p[i] += 0.1 * rng.nextGaussian();
        }
        return new Structure(s.id(), s.numbers(), p, s.cell().orElse(null));
    }

    private static double energy(Featurizer f, Structure s) {
        return f.featurize(List.of(s), false).energies()[0];
    }

    @Test
    void forcesMatchCentralFiniteDifferencesOfThePooledScalar() {
        System.out.println("FeaturizerForcesTest seed " + SEED);
        FeaturizerModel model = FeaturizerModel.seeded(FeaturizerConfig.bundled("featurizer-small"));
        List<Structure> cases = List.of(jiggled(SampleStructures.ethanol(), SEED),
                jiggled(SampleStructures.fccConventional(13, 4.05, 1), SEED + 1));
        try (Featurizer f = Featurizer.create(model, ComputeTarget.cpu(), DType.FLOAT64)) {
            for (Structure s : cases) {
                FeaturizerResult r = f.featurize(List.of(s), true);
                double[] forces = r.forcesOrNull();
                double h = 1e-5;
                double maxErr = 0;
                double maxF = 0;
                double[] net = new double[3];
                for (int i = 0; i < s.atomCount(); i++) {
                    for (int c = 0; c < 3; c++) {
                        double[] plus = s.positions();
                        double[] minus = s.positions();
                        plus[3 * i + c] += h;
                        minus[3 * i + c] -= h;
                        double ep = energy(f, new Structure(s.id(), s.numbers(), plus, s.cell().orElse(null)));
                        double em = energy(f, new Structure(s.id(), s.numbers(), minus, s.cell().orElse(null)));
                        double fd = -(ep - em) / (2 * h);
                        maxErr = Math.max(maxErr, Math.abs(fd - forces[3 * i + c]));
                        maxF = Math.max(maxF, Math.abs(fd));
                        net[c] += forces[3 * i + c];
                    }
                }
                System.out.printf("%s: max |F| %.3e, max |F - FD| %.3e, net force %.1e %.1e %.1e%n", s, maxF, maxErr,
                        net[0], net[1], net[2]);
                assertTrue(maxF > 1e-3, "forces are not trivially zero");
                assertTrue(maxErr <= 1e-6 * Math.max(1, maxF), s + ": forces differ from finite differences by " + maxErr);
                for (double v : net) {
                    assertTrue(Math.abs(v) <= 1e-9 * Math.max(1, maxF) * s.atomCount(), "net force " + v);
                }
            }
        }
    }

    @Test
    void forcesRotateWithTheStructure() {
        FeaturizerModel model = FeaturizerModel.seeded(FeaturizerConfig.bundled("featurizer-small"));
        Structure s = jiggled(SampleStructures.benzene(), SEED);
        double[] rot = Geometry.rotation(SEED);
        try (Featurizer f = Featurizer.create(model, ComputeTarget.cpu(), DType.FLOAT64)) {
            double[] a = f.featurize(List.of(s), true).forcesOrNull();
            double[] b = f.featurize(List.of(Geometry.moved(s, rot, new double[] {1, 2, 3})), true).forcesOrNull();
            double d = Geometry.relMaxDiff(Geometry.apply(a, rot), b);
            assertTrue(d <= 1e-10, "rotated forces differ by " + d);
            assertNull(f.featurize(List.of(s), false).forcesOrNull());
        }
    }
}
