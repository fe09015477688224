package org.e3spark.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.esotericsoftware.kryo.kryo5.Kryo;
import com.esotericsoftware.kryo.kryo5.io.Output;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.CRC32;
import org.e3spark.model.internal.KryoFormat;
import org.e3spark.model.internal.ModelPlan;
import org.junit.jupiter.api.Test;

/** Configs, safetensors and .e3k files from outside (issue 16, items 6, 7, 8, 12, 13). */
class BadModelInputTest {

    static final String SMALL = FeaturizerConfig.bundled("featurizer-small").toJson();

    /** The bundled config with one top-level value replaced by raw JSON. */
    static String with(String key, String json) {
        String out = SMALL.replaceFirst("\"" + key + "\" : [^\\n]*?(,?)\\n", "\"" + key + "\" : " + json + "$1\n");
        if (out.equals(SMALL)) {
            throw new AssertionError("no key " + key + " in " + SMALL);
        }
        return out;
    }

    static IllegalArgumentException refused(String json) {
        return assertThrows(IllegalArgumentException.class, () -> FeaturizerConfig.parse(json, "probe.json"));
    }

    @Test
    void configValuesOfTheWrongTypeAreRefusedNamingTheKey() {
        // Jackson's asInt() read these as 0, 2, 1 and 0
        assertTrue(refused(with("lmax", "\"two\"")).getMessage().contains("'lmax' must be an integer, got \"two\""));
        assertTrue(refused(with("lmax", "2.9")).getMessage().contains("'lmax' must be an integer, got 2.9"));
        assertTrue(refused(with("lmax", "true")).getMessage().contains("'lmax' must be an integer, got true"));
        assertTrue(refused(with("seed", "\"abc\"")).getMessage().contains("'seed' must be an integer, got \"abc\""));
        assertTrue(refused(with("cutoff", "\"4\"")).getMessage().contains("'cutoff' must be a number"));
        assertTrue(refused(with("embedding_irreps", "16")).getMessage().contains("'embedding_irreps' must be a string"));
        assertTrue(refused(SMALL.replace("\"count\" : 8", "\"count\" : 8.5")).getMessage()
                .contains("'radial.count' must be an integer, got 8.5"));
        assertTrue(refused(SMALL.replace("\"mlp_hidden\" : [ 16 ]", "\"mlp_hidden\" : [ \"16\" ]")).getMessage()
                .contains("'radial.mlp_hidden[0]' must be an integer"));
        assertTrue(refused(with("lmax", "4294967298")).getMessage().contains("out of range"));
        // the canonical form still parses to an equal config
        assertEquals(FeaturizerConfig.bundled("featurizer-small"), FeaturizerConfig.parse(SMALL, "small"));
    }

    @Test
    void anAvgNumNeighborsThatOverflowsTheFeaturesIsRefused() {
        // 1e-300 gave NaN features with exit code 0
        IllegalArgumentException e = refused(with("avg_num_neighbors", "1e-300"));
        assertTrue(e.getMessage().contains("avg_num_neighbors must be in 0.001..1000000.0") && e.getMessage().contains("1.0E-300"),
                e.getMessage());
        refused(with("avg_num_neighbors", "1e300"));
        FeaturizerConfig.parse(with("avg_num_neighbors", "0.5"), "ok"); // a real (small) count still passes
    }

    @Test
    void hugeChannelCountsAreRefusedBeforeAllocating() {
        for (String irreps : List.of("100000x0e", "1000000x0e")) {
            FeaturizerConfig c = FeaturizerConfig.parse(with("embedding_irreps", "\"" + irreps + "\""), "big.json");
            // 1e10 and 1e12 weights: an int product wrapped into an 11 GB request or a negative size
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FeaturizerModel.seeded(c));
            assertTrue(e.getMessage().contains("more than " + ModelPlan.MAX_WEIGHTS), e.getMessage());
        }
        IllegalArgumentException dim = assertThrows(IllegalArgumentException.class,
                () -> FeaturizerConfig.parse(with("embedding_irreps", "\"2000000000x6e\""), "huge.json"));
        assertTrue(dim.getMessage().contains("more than an int indexes"), dim.getMessage());
    }

    private static byte[] safetensors(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        return b.array();
    }

    @Test
    void safetensorsWithOverlappingOffsetsOrADuplicateNameAreRefused() {
        String ok = "{\"a\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[16,32]}}";
        assertEquals(2, SafeTensors.read(safetensors(ok, 32), "ok").size());
        String overlap = "{\"a\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[8,24]}}";
        ModelFormatException o = assertThrows(ModelFormatException.class, () -> SafeTensors.read(safetensors(overlap, 32), "o.st"));
        assertTrue(o.getMessage().contains("tensor b has data_offsets [8, 24] overlapping those of tensor a [0, 16]"),
                o.getMessage());
        String inside = "{\"a\":{\"dtype\":\"F64\",\"shape\":[4],\"data_offsets\":[0,32]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}";
        assertThrows(ModelFormatException.class, () -> SafeTensors.read(safetensors(inside, 32), "i.st"));
        String twice = "{\"a\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,16]},"
                + "\"a\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[16,32]}}";
        ModelFormatException d = assertThrows(ModelFormatException.class, () -> SafeTensors.read(safetensors(twice, 32), "d.st"));
        assertTrue(d.getMessage().contains("names tensor a twice"), d.getMessage());
        String bigShape = "{\"a\":{\"dtype\":\"F64\",\"shape\":[65536,65536,65536],\"data_offsets\":[0,16]}}";
        assertThrows(ModelFormatException.class, () -> SafeTensors.read(safetensors(bigShape, 16), "s.st"));
    }

    /** A framed .e3k model file around a payload written by {@code body} (valid magic, kind and CRC). */
    private static byte[] e3k(Consumer<Output> body) throws IOException {
        Kryo kryo = KryoFormat.kryo();
        ByteArrayOutputStream pb = new ByteArrayOutputStream();
        try (Output out = new Output(pb)) {
            kryo.writeClass(out, FeaturizerModel.class);
            body.accept(out);
        }
        byte[] payload = pb.toByteArray();
        CRC32 crc = new CRC32();
        crc.update(payload);
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        try (DataOutputStream d = new DataOutputStream(file)) {
            d.write("E3SPKRY5".getBytes(StandardCharsets.US_ASCII));
            d.writeInt(ModelIo.VERSION);
            d.writeUTF("featurizer-model");
            d.writeLong(payload.length);
            d.writeLong(crc.getValue());
            d.write(payload);
        }
        return file.toByteArray();
    }

    @Test
    void e3kLengthsAreBoundedByTheBytesLeftAndEveryFailureIsAModelFormatError() throws IOException {
        for (int length : new int[] {Integer.MAX_VALUE, 1 << 28}) {
            byte[] file = e3k(out -> {
                out.writeString(SMALL);
                out.writeString("probe");
                out.writeVarInt(1, true);
                out.writeString("embedding.weight");
                out.writeVarInt(1, true);
                out.writeInt(192);
                out.writeVarInt(length, true); // values of the tensor: 2^31-1 was an OOM, 2^28 2 GB then an AIOOBE
            });
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelIo.fromBytes(file, "crafted.e3k"));
            assertTrue(e.getMessage().contains("crafted.e3k") && e.getMessage().contains("values of embedding.weight: length "
                    + length), e.getMessage());
        }
        byte[] longString = e3k(out -> out.writeVarInt(0x7ffffff0, true)); // a UTF-8 string header claiming 2^31 chars
        byte[] patched = longString.clone();
        assertThrows(ModelFormatException.class, () -> ModelIo.fromBytes(patched, "s.e3k"));
        byte[] wrongShape = e3k(out -> {
            out.writeString(SMALL);
            out.writeString("probe");
            out.writeVarInt(1, true);
            out.writeString("nonsense.weight");
            out.writeVarInt(0, true);
            out.writeVarInt(0, true);
        });
        assertThrows(ModelFormatException.class, () -> ModelIo.fromBytes(wrongShape, "w.e3k"));
    }

    @Test
    void aModelStillRoundTrips() {
        FeaturizerModel m = FeaturizerModel.seeded(FeaturizerConfig.bundled("featurizer-small"));
        assertEquals(m, ModelIo.fromBytes(ModelIo.toBytes(m), "rt"));
        Map<String, NamedTensor> w = SafeTensors.read(SafeTensors.write(List.copyOf(m.weights().values()), true, null), "rt");
        assertEquals(m.weights().size(), w.size());
    }

    @Test
    void aBatchWhoseArraysWouldOverflowAnIntIsRefusedNamingTheSettings() {
        ModelPlan plan = FeaturizerModel.seeded(FeaturizerConfig.bundled("featurizer-small")).plan();
        plan.checkBatch(4096, 262144); // the defaults pass
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> plan.checkBatch(4096, Integer.MAX_VALUE / 2));
        assertTrue(e.getMessage().contains("more than a Java array holds") && e.getMessage().contains("maxEdges"),
                e.getMessage());
        assertTrue(plan.widestEdgeRow() > plan.config().shIrreps().dim(), "the conv weights are the widest edge row");
    }
}
