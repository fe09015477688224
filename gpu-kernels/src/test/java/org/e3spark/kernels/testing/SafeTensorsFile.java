package org.e3spark.kernels.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * A minimal reader of (gzip-compressed) safetensors files for tests: an 8-byte little-endian header
 * length, a JSON header {name: {dtype, shape, data_offsets}} (plus {@code __metadata__}), then raw
 * little-endian data. F64 and F32 tensors are read as double[].
 */
public final class SafeTensorsFile {

    /** One tensor: its shape and values. */
    public record Tensor(int[] shape, double[] values) {
    }

    private final Map<String, Tensor> tensors;

    private SafeTensorsFile(Map<String, Tensor> tensors) {
        this.tensors = tensors;
    }

    public static SafeTensorsFile readGzip(Path file) {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            return parse(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    static SafeTensorsFile parse(byte[] bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = buf.getLong(0);
        String header = new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8);
        JsonNode root = new ObjectMapper().readTree(header);
        int dataStart = 8 + (int) headerLength;
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            JsonNode t = e.getValue();
            int[] shape = new int[t.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = t.get("shape").get(i).asInt();
            }
            int begin = dataStart + t.get("data_offsets").get(0).asInt();
            int end = dataStart + t.get("data_offsets").get(1).asInt();
            String dtype = t.get("dtype").asText();
            int width = switch (dtype) {
                case "F64" -> 8;
                case "F32" -> 4;
                default -> throw new IOException("tensor " + e.getKey() + ": dtype " + dtype + " not supported");
            };
            double[] values = new double[(end - begin) / width];
            for (int i = 0; i < values.length; i++) {
                values[i] = width == 8 ? buf.getDouble(begin + 8 * i) : buf.getFloat(begin + 4 * i);
            }
            out.put(e.getKey(), new Tensor(shape, values));
        }
        return new SafeTensorsFile(out);
    }

    public Tensor get(String name) {
        Tensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor '" + name + "'; have " + tensors.keySet());
        }
        return t;
    }

    public Map<String, Tensor> all() {
        return tensors;
    }
}
