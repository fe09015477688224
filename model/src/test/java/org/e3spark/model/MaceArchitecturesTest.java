package org.e3spark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.e3spark.data.Structure;
import org.e3spark.kernels.DType;
import org.e3spark.model.internal.mace.MaceConfig;
import org.e3spark.model.internal.mace.MaceStateDict;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Architectures beyond the goldens' (one or three layers, correlation 1 to 4, l = 2 hidden irreps,
 * odd scalars, ZBL without Agnesi, plain first block), with seeded state dicts: they load, and obey
 * the same laws (rotation invariance, forces and stress as derivatives of the energy, float32 close
 * to float64).
 */
class MaceArchitecturesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;

    private static ObjectNode config(String variant) {
        ObjectNode c = JSON.createObjectNode();
        c.put("model_class", "ScaleShiftMACE");
        c.put("r_max", 4.5);
        c.put("num_bessel", 6);
        c.put("num_polynomial_cutoff", 5);
        c.put("max_ell", 2);
        c.put("interaction_first", "RealAgnosticInteractionBlock");
        c.put("interaction", "RealAgnosticResidualInteractionBlock");
        c.put("num_interactions", 2);
        c.put("hidden_irreps", "8x0e+8x1o");
        c.put("MLP_irreps", "8x0e");
        c.put("correlation", 2);
        c.putArray("radial_MLP").add(8).add(8);
        c.put("avg_num_neighbors", 12.0);
        c.putArray("atomic_numbers").add(1).add(6).add(8).add(29);
        c.putArray("atomic_energies").add(-1.1).add(-2.2).add(-3.3).add(-4.4);
        c.put("scale", 0.8);
        c.put("shift", 0.05);
        c.put("gate", "silu");
        c.put("radial_type", "bessel");
        c.put("distance_transform", "None");
        c.put("pair_repulsion", false);
        c.put("use_reduced_cg", false);
        c.put("e3nn_version", "0.4.4");
        switch (variant) {
            case "one-layer-zbl" -> {
                c.put("num_interactions", 1);
                c.put("pair_repulsion", true);
                c.put("correlation", 1);
            }
            case "three-layers-corr-1-4-2-agnesi" -> {
                c.put("num_interactions", 3);
                c.put("interaction_first", "RealAgnosticResidualInteractionBlock");
                c.putArray("correlation").add(1).add(4).add(2);
                c.put("hidden_irreps", "4x0e+4x1o+4x2e");
                c.put("distance_transform", "Agnesi"); // max_ell 2: correlation 4 of 9 coupling dims stays quick
            }
            case "odd-scalars-e3nn-0.6" -> {
                c.put("hidden_irreps", "4x0e+4x0o+4x1o");
                c.put("correlation", 3);
                c.put("e3nn_version", "0.6.0");
            }
            case "odd-scalars-legacy" -> {
                c.put("hidden_irreps", "4x0e+4x0o+4x1o");
                c.put("correlation", 3);
            }
            default -> throw new IllegalArgumentException(variant);
        }
        return c;
    }

    private static MaceModel model(String variant) {
        ObjectNode c = config(variant);
        Map<String, NamedTensor> sd = MaceStateDict.seeded(MaceConfig.parse(c, variant), 2026);
        return MaceModel.of(c, variant + ".json", sd, variant + ".safetensors");
    }

    private static List<Structure> structures() {
        List<Structure> all = MaceGoldens.load("e3nn-0.4.4", "mace_small", tmp).structures();
        return List.of(all.get(0), all.get(1), all.get(3), all.get(4));
    }

    @ParameterizedTest
    @ValueSource(strings = {"one-layer-zbl", "three-layers-corr-1-4-2-agnesi", "odd-scalars-e3nn-0.6",
            "odd-scalars-legacy"})
    void seededModelsAreInvariantAndTheirForcesAndStressAreDerivatives(String variant) {
        MaceModel m = model(variant);
        List<Structure> ss = structures();
        double[] rot = Geometry.rotation(99);
        try (MacePotential pot = MacePotential.create(m, ComputeTarget.cpu(), DType.FLOAT64)) {
            MaceResult a = pot.evaluate(ss, true, true);
            List<Structure> moved = new ArrayList<>();
            for (Structure s : ss) {
                moved.add(Geometry.moved(s, rot, new double[] {0.3, 0.1, -0.2}));
            }
            MaceResult b = pot.evaluate(moved, true, true);
            assertTrue(Geometry.relMaxDiff(a.energies(), b.energies()) < 1e-12, variant + ": energies");
            assertTrue(Geometry.relMaxDiff(a.descriptors(), b.descriptors()) < 1e-10, variant + ": descriptors");
            assertTrue(Geometry.relMaxDiff(Geometry.apply(a.forces(), rot), b.forces()) < 1e-10, variant + ": forces");

            double h = 1e-5;
            Structure st = ss.get(3); // triclinic, every element
            double[] f = pot.evaluate(List.of(st), true, false).forces();
            for (int i = 0; i < st.atomCount(); i += 2) {
                int x = i % 3;
                double[] plus = st.positions();
                double[] minus = st.positions();
                plus[3 * i + x] += h;
                minus[3 * i + x] -= h;
                double ep = pot.evaluate(List.of(new Structure(1, st.numbers(), plus, st.cell().orElseThrow())), false,
                        false).energies()[0];
                double em = pot.evaluate(List.of(new Structure(1, st.numbers(), minus, st.cell().orElseThrow())), false,
                        false).energies()[0];
                double fd = -(ep - em) / (2 * h);
                assertEquals(fd, f[3 * i + x], 1e-6 * Math.max(1, Math.abs(fd)), variant + ": force " + i + "," + x);
            }
            double[] rows = st.cell().orElseThrow().rows();
            double volume = Math.abs(rows[0] * (rows[4] * rows[8] - rows[5] * rows[7])
                    - rows[1] * (rows[3] * rows[8] - rows[5] * rows[6]) + rows[2] * (rows[3] * rows[7] - rows[4] * rows[6]));
            double[] sigma = pot.evaluate(List.of(st), false, true).stress();
            double[] eps = {0, h / 2, 0, h / 2, 0, 0, 0, 0, 0};
            double ep = pot.evaluate(List.of(strained(st, eps, 1)), false, false).energies()[0];
            double em = pot.evaluate(List.of(strained(st, eps, -1)), false, false).energies()[0];
            double fd = (ep - em) / (2 * h) / volume;
            assertEquals(fd, sigma[1], 1e-7 * Math.max(1e-3, Math.abs(fd)) + 1e-9, variant + ": stress xy");
        }
        try (MacePotential f32 = MacePotential.create(m, ComputeTarget.cpu(), DType.FLOAT32);
             MacePotential f64 = MacePotential.create(m, ComputeTarget.cpu(), DType.FLOAT64)) {
            MaceResult a = f64.evaluate(ss, true, false);
            MaceResult b = f32.evaluate(ss, true, false);
            assertTrue(MaceGoldens.relError(b.energies(), a.energies()) <= 1e-5, variant + ": float32 energies");
            assertTrue(MaceGoldens.relError(b.forces(), a.forces()) <= 1e-4, variant + ": float32 forces");
        }
    }

    private static Structure strained(Structure s, double[] eps, int sign) {
        double[] e = eps.clone();
        for (int k = 0; k < 9; k++) {
            e[k] *= sign;
        }
        double[] p = s.positions().clone();
        double[] x = s.positions();
        double[] rows = s.cell().orElseThrow().rows();
        double[] r2 = rows.clone();
        for (int i = 0; i < x.length / 3; i++) {
            for (int c = 0; c < 3; c++) {
                for (int k = 0; k < 3; k++) {
                    p[3 * i + c] += x[3 * i + k] * e[3 * k + c];
                }
            }
        }
        for (int i = 0; i < 3; i++) {
            for (int c = 0; c < 3; c++) {
                for (int k = 0; k < 3; k++) {
                    r2[3 * i + c] += rows[3 * i + k] * e[3 * k + c];
                }
            }
        }
        return new Structure(s.id(), s.numbers(), p, new org.e3spark.data.Cell(r2, s.cell().orElseThrow().pbc()));
    }
}
