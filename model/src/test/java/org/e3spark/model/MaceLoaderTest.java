package org.e3spark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MaceModel.load refuses what it cannot reproduce, and says which key, value or tensor. */
class MaceLoaderTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    private static MaceGoldens.Case golden;
    private static Map<String, NamedTensor> tensors;

    @BeforeAll
    static void load() {
        golden = MaceGoldens.load("e3nn-0.4.4", "mace_zbl_agnesi", tmp);
        tensors = SafeTensors.read(golden.stateDict());
    }

    private static String refusedConfig(Consumer<ObjectNode> edit) {
        ObjectNode c = golden.json().get("config").deepCopy();
        edit.accept(c);
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> MaceModel.of(c, "cfg.json", tensors, "sd.safetensors"));
        System.out.println(e.getMessage());
        return e.getMessage();
    }

    private static String refusedTensors(Consumer<Map<String, NamedTensor>> edit) {
        Map<String, NamedTensor> t = new java.util.LinkedHashMap<>(tensors);
        edit.accept(t);
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> MaceModel.of(golden.json().get("config"), "cfg.json", t, "sd.safetensors"));
        System.out.println(e.getMessage());
        return e.getMessage();
    }

    private static void contains(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "'" + message + "' should mention " + p);
        }
    }

    @Test
    void theGoldenLoadsFromItsFiles() {
        MaceModel m = MaceModel.load(golden.config(), golden.stateDict());
        assertTrue(m.toString().contains("ScaleShiftMACE"), m.toString());
    }

    @Test
    void unsupportedSettingsAreRefusedNamingKeyAndValue() {
        contains(refusedConfig(c -> c.put("model_class", "AtomicDipolesMACE")), "model_class", "AtomicDipolesMACE");
        contains(refusedConfig(c -> c.put("interaction", "RealAgnosticDensityInteractionBlock")), "interaction",
                "RealAgnosticDensityInteractionBlock");
        contains(refusedConfig(c -> c.put("interaction_first", "RealAgnosticAttResidualInteractionBlock")),
                "interaction_first", "RealAgnosticAttResidualInteractionBlock");
        contains(refusedConfig(c -> c.put("radial_type", "gaussian")), "radial_type", "gaussian");
        contains(refusedConfig(c -> c.put("distance_transform", "Soft")), "distance_transform", "Soft");
        contains(refusedConfig(c -> c.put("gate", "tanh")), "gate", "tanh");
        contains(refusedConfig(c -> c.put("use_reduced_cg", true)), "use_reduced_cg", "true");
        contains(refusedConfig(c -> c.put("hidden_irreps", "16x0e+8x1o")), "hidden_irreps", "16x0e+8x1o");
        contains(refusedConfig(c -> c.putArray("heads").add("pbe").add("r2scan")), "heads", "pbe");
        contains(refusedConfig(c -> c.put("correlation", 5)), "correlation", "5");
    }

    @Test
    void missingKeysAndWrongTypesNameTheKey() {
        contains(refusedConfig(c -> c.remove("r_max")), "r_max", "missing");
        contains(refusedConfig(c -> c.put("num_bessel", "8")), "num_bessel", "integer");
        contains(refusedConfig(c -> c.put("pair_repulsion", 1)), "pair_repulsion", "true or false");
        contains(refusedConfig(c -> c.put("hidden_irreps", "16x0q")), "hidden_irreps");
        contains(refusedConfig(c -> c.putArray("atomic_energies").add(1.0)), "atomic_energies");
    }

    @Test
    void tensorsThatDoNotFitAreRefusedNamingTheTensor() {
        contains(refusedTensors(t -> t.remove("interactions.1.linear.weight")), "interactions.1.linear.weight",
                "missing");
        contains(refusedTensors(t -> t.put("interactions.2.linear.weight",
                new NamedTensor("interactions.2.linear.weight", new int[] {4}, new double[4]))),
                "unexpected tensor interactions.2.linear.weight");
        contains(refusedTensors(t -> t.put("interactions.0.conv_tp_weights.layer0.weight",
                new NamedTensor("interactions.0.conv_tp_weights.layer0.weight", new int[] {8, 15}, new double[120]))),
                "interactions.0.conv_tp_weights.layer0.weight", "[8, 15]", "[8, 16]");
        contains(refusedTensors(t -> t.put("scale_shift.scale",
                new NamedTensor("scale_shift.scale", new int[0], new double[] {2.5}))), "scale_shift.scale", "scale");
    }

    /**
     * A freshly built MACE saved by torch 2.11 names its traced conv_tp constants _tensor_constantN: taken when
     * shaped like one of the block's coupling tensors, refused otherwise.
     */
    @Test
    void tracedCodegenConstantsMustHaveACouplingTensorsShape() {
        String name = "interactions.1.conv_tp._compiled_main_left_right._tensor_constant0";
        Map<String, NamedTensor> ok = new java.util.LinkedHashMap<>(tensors);
        ok.put(name, new NamedTensor(name, new int[] {3, 5, 3}, new double[45]));
        assertEquals(2, MaceModel.of(golden.json().get("config"), "traced", ok, "traced").numInteractions());
        contains(refusedTensors(t -> t.put(name, new NamedTensor(name, new int[] {3, 3, 3}, new double[27]))), name,
                "[3, 3, 3]", "none of interaction 1's coupling tensors");
    }

    /** A 0.4.4 state dict declared as e3nn 0.6.0: its product bases have the other signs. */
    @Test
    void aWrongE3nnVersionIsCaughtByTheProductBases() {
        contains(refusedConfig(c -> c.put("e3nn_version", "0.6.0")), "U_matrix", "e3nn_version");
    }

    @Test
    void aModelWrittenToSafetensorsAndBackLoads() throws Exception {
        List<NamedTensor> list = new ArrayList<>(tensors.values());
        Path sd = tmp.resolve("roundtrip.safetensors");
        SafeTensors.write(sd, list, true, Map.of());
        Path cfg = tmp.resolve("roundtrip.json");
        JSON.writeValue(cfg.toFile(), golden.json().get("config"));
        assertTrue(MaceModel.load(cfg, sd).numInteractions() == 2);
    }

    @Test
    void aHeaderClaimingMoreValuesThanTheFileHoldsIsRefusedBeforeAllocating() {
        String header = "{\"big\":{\"dtype\":\"F64\",\"shape\":[1000000000,1000000000],\"data_offsets\":[0,8]}}";
        byte[] h = header.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + h.length + 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).putDouble(1.0);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SafeTensors.read(b.array(), "huge"));
        contains(e.getMessage(), "big", "more values");
        String neg = "{\"neg\":{\"dtype\":\"F64\",\"shape\":[-1,-1],\"data_offsets\":[0,8]}}";
        byte[] hn = neg.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.ByteBuffer bn = java.nio.ByteBuffer.allocate(8 + hn.length + 8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        bn.putLong(hn.length).put(hn).putDouble(1.0);
        contains(assertThrows(ModelFormatException.class, () -> SafeTensors.read(bn.array(), "neg")).getMessage(),
                "neg", "invalid shape");
    }

    /** mace's extract_config_mace_model writes no distance transform as None (JSON null). */
    @Test
    void aNullDistanceTransformMeansNone() {
        MaceGoldens.Case small = MaceGoldens.load("e3nn-0.4.4", "mace_small", tmp);
        ObjectNode c = small.json().get("config").deepCopy();
        c.putNull("distance_transform");
        assertTrue(MaceModel.of(c, "cfg", SafeTensors.read(small.stateDict()), "sd").numInteractions() == 2);
    }

    /** docs/scripts/export_mace.py writes exactly the keys the loader reads (the goldens' config keys). */
    @Test
    void theExportScriptWritesTheGoldensConfigKeys() throws Exception {
        Path script = Path.of("").toAbsolutePath();
        while (script != null && !java.nio.file.Files.exists(script.resolve("docs/scripts/export_mace.py"))) {
            script = script.getParent();
        }
        assertTrue(script != null, "docs/scripts/export_mace.py not found");
        String text = java.nio.file.Files.readString(script.resolve("docs/scripts/export_mace.py"));
        String body = text.substring(text.indexOf("def config_of"), text.indexOf("SAFETENSORS_DTYPES ="));
        java.util.Set<String> written = new java.util.TreeSet<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^\\s+\"(\\w+)\": ", java.util.regex.Pattern.MULTILINE)
                .matcher(body);
        while (m.find()) {
            written.add(m.group(1));
        }
        java.util.Set<String> keys = new java.util.TreeSet<>();
        golden.json().get("config").fieldNames().forEachRemaining(keys::add);
        assertTrue(written.equals(keys), "script writes " + written + ", goldens have " + keys);
    }
}
