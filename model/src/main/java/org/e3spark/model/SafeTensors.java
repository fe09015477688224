package org.e3spark.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format (as written by {@code safetensors.torch.save_file}): an 8-byte
 * little-endian header length n, n bytes of JSON mapping each tensor name to
 * {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets relative to the byte after the
 * header; an optional {@code "__metadata__"} string map), then the tensors' little-endian bytes.
 * Reads F64, F32, F16 and BF16 (converted to float64); writes F64 or F32.
 */
public final class SafeTensors {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER = 100L << 20;

    private SafeTensors() {
    }

    public static Map<String, NamedTensor> read(Path file) {
        try {
            return read(Files.readAllBytes(file), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read safetensors file " + file, e);
        }
    }

    /** Tensors in header order; {@code source} names the bytes in errors. */
    public static Map<String, NamedTensor> read(byte[] bytes, String source) {
        if (bytes.length < 8) {
            throw new ModelFormatException(source + ": not a safetensors file (" + bytes.length + " bytes, no header)");
        }
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long n = buf.getLong(0);
        if (n < 2 || n > MAX_HEADER || 8 + n > bytes.length) {
            throw new ModelFormatException(source + ": not a safetensors file (header length " + n + " for a file of "
                    + bytes.length + " bytes)");
        }
        JsonNode header;
        try {
            header = JSON.readTree(new String(bytes, 8, (int) n, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ModelFormatException(source + ": safetensors header is not JSON: " + e.getMessage(), e);
        }
        if (header == null || !header.isObject()) {
            throw new ModelFormatException(source + ": safetensors header is not a JSON object");
        }
        long dataStart = 8 + n;
        long dataLength = bytes.length - dataStart;
        Map<String, NamedTensor> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            if (name.equals("__metadata__")) {
                continue;
            }
            JsonNode t = e.getValue();
            String dtype = t.path("dtype").asText("");
            int width = switch (dtype) {
                case "F64" -> 8;
                case "F32" -> 4;
                case "F16", "BF16" -> 2;
                default -> throw new ModelFormatException(source + ": tensor " + name + " has dtype '" + dtype
                        + "' (supported: F64, F32, F16, BF16)");
            };
            List<Integer> shapeList = new ArrayList<>();
            long count = 1;
            for (JsonNode d : t.path("shape")) {
                // a dimension must be a non-negative int and the count must fit the data: never trust the header's sizes
                if (!d.isIntegralNumber() || d.asLong() < 0 || d.asLong() > Integer.MAX_VALUE) {
                    throw new ModelFormatException(source + ": tensor " + name + " has an invalid shape " + t.path("shape"));
                }
                shapeList.add(d.asInt());
                count = count > dataLength ? count : count * d.asLong();
            }
            if (count > dataLength) {
                throw new ModelFormatException(source + ": tensor " + name + " has shape " + t.path("shape") + " ("
                        + "more values than the file's " + dataLength + " data bytes hold)");
            }
            JsonNode off = t.path("data_offsets");
            long begin = off.path(0).asLong(-1);
            long end = off.path(1).asLong(-1);
            if (begin < 0 || end < begin || end > dataLength || end - begin != count * width) {
                throw new ModelFormatException(source + ": tensor " + name + " has data_offsets [" + begin + ", " + end
                        + "] for " + count + " values of " + dtype + " in " + dataLength + " data bytes");
            }
            double[] v = new double[(int) count];
            int at = (int) (dataStart + begin);
            for (int i = 0; i < v.length; i++) {
                v[i] = switch (width) {
                    case 8 -> buf.getDouble(at + 8 * i);
                    case 4 -> buf.getFloat(at + 4 * i);
                    default -> dtype.equals("F16") ? Float.float16ToFloat(buf.getShort(at + 2 * i))
                            : Float.intBitsToFloat((buf.getShort(at + 2 * i) & 0xffff) << 16);
                };
            }
            out.put(name, new NamedTensor(name, shapeList.stream().mapToInt(Integer::intValue).toArray(), v));
        }
        return out;
    }

    /** Writes tensors in the given order, as F64 ({@code float64}) or F32. */
    public static byte[] write(List<NamedTensor> tensors, boolean float64, Map<String, String> metadata) {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        int width = float64 ? 8 : 4;
        long offset = 0;
        for (NamedTensor t : tensors) {
            ObjectNode o = header.putObject(t.name());
            o.put("dtype", float64 ? "F64" : "F32");
            ArrayNode shape = o.putArray("shape");
            for (int d : t.shape()) {
                shape.add(d);
            }
            ArrayNode off = o.putArray("data_offsets");
            off.add(offset);
            offset += (long) t.size() * width;
            off.add(offset);
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(header);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int pad = (8 - json.length % 8) % 8; // the format pads the header with spaces to 8-byte alignment
        ByteBuffer out = ByteBuffer.allocate(Math.toIntExact(8 + json.length + pad + offset)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(json.length + pad);
        out.put(json);
        for (int i = 0; i < pad; i++) {
            out.put((byte) ' ');
        }
        for (NamedTensor t : tensors) {
            for (double v : t.valuesShared()) {
                if (float64) {
                    out.putDouble(v);
                } else {
                    out.putFloat((float) v);
                }
            }
        }
        return out.array();
    }

    public static void write(Path file, List<NamedTensor> tensors, boolean float64, Map<String, String> metadata) {
        try {
            Files.write(file, write(tensors, float64, metadata));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
