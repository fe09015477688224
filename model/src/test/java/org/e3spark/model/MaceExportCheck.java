package org.e3spark.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.e3spark.data.Structure;
import org.e3spark.kernels.DType;

/**
 * The end-to-end check of {@code docs/scripts/export_mace.py}, run where mace-torch runs (the GPU
 * machine): a model built and saved by mace-torch, exported by the script to {@code PREFIX.json} +
 * {@code PREFIX.safetensors}, and mace-torch's own energies, forces and stress on some structures
 * ({@code REFERENCE.json}: {@code structures[]} with numbers, positions, cell, pbc, then
 * {@code energy}, {@code forces}, {@code stress}). This loads the export with {@link MaceModel#load},
 * evaluates the same structures with e3spark's own radius graphs, and prints the largest relative
 * error of each quantity (max |difference| / max |reference|) against SPEC's bars. Exit code 1 when a
 * bar is missed.
 *
 * <pre>java -cp ... org.e3spark.model.MaceExportCheck PREFIX REFERENCE.json [cpu|cuda]</pre>
 */
public final class MaceExportCheck {

    private MaceExportCheck() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length < 2) {
            System.err.println("usage: MaceExportCheck PREFIX REFERENCE.json [cpu|cuda]");
            System.exit(2);
        }
        Path prefix = Path.of(args[0]);
        JsonNode ref = new ObjectMapper().readTree(Path.of(args[1]).toFile());
        ComputeTarget target = args.length > 2 && args[2].equals("cuda") ? ComputeTarget.cuda(0) : ComputeTarget.cpu();
        MaceModel model = MaceModel.load(Path.of(prefix + ".json"), Path.of(prefix + ".safetensors"));
        List<Structure> structures = new ArrayList<>();
        long id = 0;
        for (JsonNode s : ref.get("structures")) {
            structures.add(MaceGoldens.structure(s, id++));
        }
        boolean ok = true;
        System.out.printf("export check: %s (%s), %d structures, mace-torch %s, e3nn %s%n", prefix.getFileName(),
                model.convention(), structures.size(), ref.path("mace_version").asText("?"),
                ref.path("e3nn_version").asText("?"));
        for (DType dtype : DType.values()) {
            try (MacePotential potential = MacePotential.create(model, target, dtype)) {
                MaceResult r = potential.evaluate(structures, true, true);
                double f64 = dtype == DType.FLOAT64 ? 1 : 0;
                ok &= report(dtype, "energy", r.energies(), ref.get("energy"), f64 == 1 ? 1e-10 : 1e-5);
                ok &= report(dtype, "forces", r.forces(), ref.get("forces"), f64 == 1 ? 1e-9 : 1e-4);
                ok &= report(dtype, "stress", r.stress(), ref.get("stress"), f64 == 1 ? 1e-9 : 1e-4);
            }
        }
        System.out.println(ok ? "export check: PASS" : "export check: FAIL");
        System.exit(ok ? 0 : 1);
    }

    private static boolean report(DType dtype, String what, double[] mine, JsonNode theirs, double bar) {
        if (theirs == null || theirs.size() != mine.length) {
            System.out.printf("  %-8s %-7s size %d vs reference %s: FAIL%n", dtype, what, mine.length,
                    theirs == null ? "absent" : String.valueOf(theirs.size()));
            return false;
        }
        double maxDiff = 0;
        double maxRef = 0;
        for (int i = 0; i < mine.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(mine[i] - theirs.get(i).asDouble()));
            maxRef = Math.max(maxRef, Math.abs(theirs.get(i).asDouble()));
        }
        double rel = maxRef == 0 ? maxDiff : maxDiff / maxRef;
        boolean pass = rel <= bar;
        System.out.printf("  %-8s %-7s max rel error %.3e (bar %.0e, max |ref| %.4g): %s%n", dtype, what, rel, bar, maxRef,
                pass ? "ok" : "FAIL");
        return pass;
    }
}
