package org.e3spark.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.e3spark.data.Cell;
import org.e3spark.data.Structure;
import org.e3spark.model.internal.mace.MaceNetwork;

/** The mace_model goldens of {@code ../shared/golden/mace/e3nn-*}: configs, state dicts, structures, results. */
final class MaceGoldens {

    static final String[] FOLDERS = {"e3nn-0.4.4", "e3nn-0.6.0"};
    static final String[] CASES = {"mace_small", "mace_zbl_agnesi"};
    private static final ObjectMapper JSON = new ObjectMapper();

    private MaceGoldens() {
    }

    /** One golden: its JSON, and its config and state dict gunzipped into {@code tmp}. */
    record Case(String folder, String name, JsonNode json, Path config, Path stateDict) {
        @Override
        public String toString() {
            return name + " (" + folder + ")";
        }

        MaceModel model() {
            return MaceModel.load(config, stateDict);
        }

        double[] doubles(String key) {
            return MaceGoldens.doubles(json.get(key));
        }

        /** {@link MaceGoldens#relError} of ours against the golden's {@code key}. */
        double relError(double[] ours, String key) {
            return MaceGoldens.relError(ours, doubles(key));
        }

        double[] intermediate(String key) {
            JsonNode n = json.get("intermediates").get(key);
            return n == null ? null : MaceGoldens.doubles(n.get("values"));
        }

        List<Structure> structures() {
            List<Structure> out = new ArrayList<>();
            long id = 0;
            for (JsonNode s : json.get("structures")) {
                out.add(structure(s, id++));
            }
            return out;
        }

        /** The batch with the golden's own neighbour lists (MACE's sender, receiver, unit shifts). */
        MaceNetwork.Graph goldenGraph(int[] atomicNumbers) {
            List<Integer> species = new ArrayList<>();
            List<Integer> zs = new ArrayList<>();
            List<Integer> snd = new ArrayList<>();
            List<Integer> rcv = new ArrayList<>();
            List<Double> vec = new ArrayList<>();
            int base = 0;
            for (JsonNode s : json.get("structures")) {
                int[] z = ints(s.get("numbers"));
                double[] x = MaceGoldens.doubles(s.get("positions"));
                double[] cell = MaceGoldens.doubles(s.get("cell"));
                int[] se = ints(s.get("sender"));
                int[] re = ints(s.get("receiver"));
                int[] sh = ints(s.get("unit_shifts"));
                for (int v : z) {
                    zs.add(v);
                    int idx = -1;
                    for (int k = 0; k < atomicNumbers.length; k++) {
                        if (atomicNumbers[k] == v) {
                            idx = k;
                        }
                    }
                    species.add(idx);
                }
                for (int e = 0; e < se.length; e++) {
                    snd.add(base + se[e]);
                    rcv.add(base + re[e]);
                    for (int a = 0; a < 3; a++) {
                        double shift = sh[3 * e] * cell[a] + sh[3 * e + 1] * cell[3 + a] + sh[3 * e + 2] * cell[6 + a];
                        vec.add(x[3 * re[e] + a] - x[3 * se[e] + a] + shift);
                    }
                }
                base += z.length;
            }
            return new MaceNetwork.Graph(species.stream().mapToInt(Integer::intValue).toArray(),
                    zs.stream().mapToInt(Integer::intValue).toArray(), snd.stream().mapToInt(Integer::intValue).toArray(),
                    rcv.stream().mapToInt(Integer::intValue).toArray(), vec.stream().mapToDouble(Double::doubleValue).toArray());
        }
    }

    static Structure structure(JsonNode s, long id) {
        int[] z = ints(s.get("numbers"));
        double[] x = doubles(s.get("positions"));
        double[] cell = doubles(s.get("cell"));
        boolean[] pbc = new boolean[3];
        boolean any = false;
        for (int a = 0; a < 3; a++) {
            pbc[a] = s.get("pbc").get(a).asBoolean();
            any |= pbc[a];
        }
        return new Structure(id, z, x, any ? new Cell(cell, pbc) : null);
    }

    static Case load(String folder, String name, Path tmp) {
        try {
            Path dir = dir().resolve(folder);
            JsonNode json;
            try (InputStream in = new GZIPInputStream(Files.newInputStream(dir.resolve(name + ".json.gz")))) {
                json = JSON.readTree(in);
            }
            Path d = Files.createDirectories(tmp.resolve(folder));
            Path config = d.resolve(name + ".json");
            JSON.writeValue(config.toFile(), json.get("config"));
            Path sd = d.resolve(name + ".safetensors");
            try (InputStream in = new GZIPInputStream(Files.newInputStream(dir.resolve(name + ".safetensors.gz")))) {
                Files.write(sd, in.readAllBytes());
            }
            return new Case(folder, name, json, config, sd);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path dir() {
        Path p = Path.of("").toAbsolutePath();
        for (int up = 0; up < 6 && p != null; up++, p = p.getParent()) {
            Path c = p.resolve("../shared/golden/mace").normalize();
            if (Files.isDirectory(c)) {
                return c;
            }
        }
        throw new IllegalStateException("../shared/golden/mace not found above " + Path.of("").toAbsolutePath());
    }

    static double[] doubles(JsonNode n) {
        double[] out = new double[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = n.get(i).asDouble();
        }
        return out;
    }

    static int[] ints(JsonNode n) {
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = n.get(i).asInt();
        }
        return out;
    }

    /** max |a - b| / max |b| (relative to the reference's scale). */
    static double relError(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new AssertionError("lengths differ: " + a.length + " vs " + b.length);
        }
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            num = Math.max(num, Math.abs(a[i] - b[i]));
            den = Math.max(den, Math.abs(b[i]));
        }
        return den == 0 ? num : num / den;
    }

    static Map<String, NamedTensor> stateDict(Case c) {
        return SafeTensors.read(c.stateDict());
    }
}
