package org.e3spark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import com.fasterxml.jackson.databind.JsonNode;
import org.e3spark.data.Structure;
import org.e3spark.graph.EdgeList;
import org.e3spark.graph.RadiusGraph;
import java.util.stream.Stream;
import org.e3spark.kernels.DType;
import org.e3spark.model.internal.mace.MaceNetwork;
import org.e3spark.model.internal.mace.MaceStateDict;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every mace_model golden, stage by stage and end to end, float64 and float32. */
class MaceGoldenTest {

    @TempDir
    static Path tmp;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String f : MaceGoldens.FOLDERS) {
            for (String c : MaceGoldens.CASES) {
                out.add(Arguments.of(f, c));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{1} {0}")
    @MethodSource("cases")
    void everyStageMatchesTheGoldensIntermediates(String folder, String name) {
        MaceGoldens.Case c = MaceGoldens.load(folder, name, tmp);
        MaceModel model = c.model();
        try (MaceNetwork net = MaceStateDict.bind(model.config(), MaceGoldens.stateDict(c), name, DType.FLOAT64)) {
            MaceNetwork.Result r = net.evaluate(c.goldenGraph(model.atomicNumbers()), false, true);
            StringBuilder report = new StringBuilder();
            double worst = 0;
            for (var e : r.intermediates().entrySet()) {
                double[] ref = c.intermediate(e.getKey());
                if (ref == null) {
                    report.append(e.getKey()).append(": not in golden\n");
                    continue;
                }
                double err = MaceGoldens.relError(e.getValue(), ref);
                worst = Math.max(worst, err);
                report.append(String.format("%-22s %.3e%n", e.getKey(), err));
            }
            double eErr = c.relError(r.nodeEnergy(), "node_energy");
            report.append(String.format("%-22s %.3e%n", "node_energy", eErr));
            System.out.println(c + "\n" + report);
            assertTrue(worst <= 1e-10 && eErr <= 1e-10, c + "\n" + report);
        }
    }

    @ParameterizedTest(name = "{1} {0}")
    @MethodSource("cases")
    void float64EnergiesForcesStressAndDescriptorsMatchMaceTorch(String folder, String name) {
        MaceGoldens.Case c = MaceGoldens.load(folder, name, tmp);
        MaceResult r = evaluateOnCpu(c, DType.FLOAT64);
        double[] err = {
            c.relError(r.energies(), "energy"),
            c.relError(r.nodeEnergies(), "node_energy"),
            c.relError(r.forces(), "forces"),
            c.relError(r.stress(), "stress"),
            c.relError(r.nodeFeatures(), "node_feats"),
            c.relError(r.descriptors(), "descriptors_invariant"),
            c.relError(r.interactionEnergies(), "interaction_energy"),
        };
        String report = String.format("%s float64: energy %.2e, node_energy %.2e, forces %.2e, stress %.2e, "
                + "node_feats %.2e, descriptors %.2e, interaction_energy %.2e", c, err[0], err[1], err[2], err[3], err[4],
                err[5], err[6]);
        System.out.println(report);
        assertEquals(c.json().get("node_feats_dim").asInt(), r.nodeFeatureDim(), report);
        assertEquals(c.json().get("descriptors_invariant_dim").asInt(), r.descriptorDim(), report);
        assertTrue(err[0] <= 1e-10 && err[1] <= 1e-10 && err[6] <= 1e-10, report);
        assertTrue(err[2] <= 1e-9 && err[3] <= 1e-9, report);
        assertTrue(err[4] <= 1e-10 && err[5] <= 1e-10, report);
        double[] stress = r.stress();
        List<Structure> ss = c.structures();
        for (int s = 0; s < ss.size(); s++) {
            if (!ss.get(s).periodic()) {
                for (int k = 0; k < 9; k++) {
                    assertEquals(0.0, stress[9 * s + k], "non-periodic structure " + s + " has stress");
                }
            }
        }
    }

    @ParameterizedTest(name = "{1} {0}")
    @MethodSource("cases")
    void float32StaysWithinTheSpecTolerances(String folder, String name) {
        MaceGoldens.Case c = MaceGoldens.load(folder, name, tmp);
        MaceResult r = evaluateOnCpu(c, DType.FLOAT32);
        double eErr = c.relError(r.energies(), "energy");
        double fErr = c.relError(r.forces(), "forces");
        double iErr = c.relError(r.interactionEnergies(), "interaction_energy");
        double sErr = c.relError(r.stress(), "stress");
        double dErr = c.relError(r.descriptors(), "descriptors_invariant");
        String report = String.format("%s float32: energy %.2e, interaction_energy %.2e, forces %.2e, stress %.2e, "
                + "descriptors %.2e", c, eErr, iErr, fErr, sErr, dErr);
        System.out.println(report);
        assertTrue(eErr <= 1e-5 && iErr <= 1e-5 && fErr <= 1e-4 && sErr <= 1e-4 && dErr <= 1e-4, report);
    }

    /** Golden c's model on the CPU in dt: energies, forces and stress of the golden's structures. */
    private static MaceResult evaluateOnCpu(MaceGoldens.Case c, DType dt) {
        try (MacePotential pot = MacePotential.create(c.model(), ComputeTarget.cpu(), dt)) {
            return pot.evaluate(c.structures(), true, true);
        }
    }

    /** e3spark's radius graph gives the golden's neighbour lists as sets of (sender, receiver, shift). */
    @ParameterizedTest(name = "{1} {0}")
    @MethodSource("cases")
    void radiusGraphsAreTheGoldensNeighbourLists(String folder, String name) {
        MaceGoldens.Case c = MaceGoldens.load(folder, name, tmp);
        RadiusGraph rg = new RadiusGraph(c.json().get("config").get("r_max").asDouble());
        List<Structure> ss = c.structures();
        int s = 0;
        for (JsonNode js : c.json().get("structures")) {
            Set<String> golden = new TreeSet<>();
            int[] se = MaceGoldens.ints(js.get("sender"));
            int[] re = MaceGoldens.ints(js.get("receiver"));
            int[] sh = MaceGoldens.ints(js.get("unit_shifts"));
            for (int e = 0; e < se.length; e++) {
                golden.add(se[e] + "," + re[e] + "," + sh[3 * e] + "," + sh[3 * e + 1] + "," + sh[3 * e + 2]);
            }
            EdgeList g = rg.build(ss.get(s));
            Set<String> ours = new TreeSet<>();
            for (int e = 0; e < g.edgeCount(); e++) {
                // MACE's sender is ASE's i (EdgeList's receiver), its receiver ASE's j
                ours.add(g.receiver(e) + "," + g.sender(e) + "," + g.shift(e, 0) + "," + g.shift(e, 1) + ","
                        + g.shift(e, 2));
            }
            assertEquals(se.length, g.edgeCount(), js.get("name").asText() + ": edge count");
            assertEquals(golden, ours, js.get("name").asText() + ": edge set");
            s++;
        }
        // the potential reports the same counts per structure (the Spark job's summary reads them)
        try (MacePotential p = MacePotential.create(c.model(), ComputeTarget.cpu(), DType.FLOAT64)) {
            MaceResult r = p.evaluate(ss, false, false);
            int k = 0;
            for (JsonNode js : c.json().get("structures")) {
                assertEquals(js.get("sender").size(), r.edgeCount(k++), js.get("name").asText() + ": reported edges");
            }
        }
    }
}
