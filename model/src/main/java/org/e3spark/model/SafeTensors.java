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
        checkUniqueNames(bytes, 8, (int) n, source);
        long dataStart = 8 + n;
        long dataLength = bytes.length - dataStart;
        Map<String, NamedTensor> out = new LinkedHashMap<>();
        java.util.TreeMap<Long, Extent> extents = new java.util.TreeMap<>(); // by begin, to refuse overlaps
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
            JsonNode shape = t.path("shape");
            if (!shape.isArray()) {
                throw new ModelFormatException(source + ": tensor " + name + " has no shape list");
            }
            for (JsonNode d : shape) {
                // exact and bounded by the bytes present: a shape must never make us allocate more than the file holds
                if (!d.isIntegralNumber() || !d.canConvertToInt() || d.intValue() < 0) {
                    throw new ModelFormatException(source + ": tensor " + name + " has shape " + shape
                            + " (an invalid shape: dimensions must be integers >= 0)");
                }
                shapeList.add(d.intValue());
                count = d.intValue() == 0 || count == 0 ? 0 : count > dataLength / d.intValue() ? dataLength + 1
                        : count * d.intValue();
            }
            if (count > dataLength) {
                throw new ModelFormatException(source + ": tensor " + name + " has shape " + shape
                        + " (more values than the file's " + dataLength + " data bytes hold)");
            }
            JsonNode off = t.path("data_offsets");
            if (!off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber()) {
                throw new ModelFormatException(source + ": tensor " + name + " needs data_offsets [begin, end], got " + off);
            }
            long begin = off.get(0).canConvertToLong() ? off.get(0).longValue() : -1;
            long end = off.get(1).canConvertToLong() ? off.get(1).longValue() : -1;
            if (begin < 0 || end < begin || end > dataLength || count > dataLength || end - begin != count * width) {
                throw new ModelFormatException(source + ": tensor " + name + " has data_offsets [" + begin + ", " + end
                        + "] for " + count + " values of " + dtype + " in " + dataLength + " data bytes");
            }
            // overlapping extents would load another tensor's bytes as this one's weights
            if (end > begin) {
                Map.Entry<Long, Extent> before = extents.floorEntry(begin);
                Map.Entry<Long, Extent> after = extents.ceilingEntry(begin);
                Extent clash = before != null && before.getValue().end() > begin ? before.getValue()
                        : after != null && after.getKey() < end ? after.getValue() : null;
                if (clash != null) {
                    throw new ModelFormatException(source + ": tensor " + name + " has data_offsets [" + begin + ", "
                            + end + "] overlapping those of tensor " + clash.name() + " [" + clash.begin() + ", "
                            + clash.end() + "]");
                }
                extents.put(begin, new Extent(name, begin, end));
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

    private record Extent(String name, long begin, long end) {
    }

    /**
     * Refuses a header naming a tensor twice: a JSON object parser keeps only the last value, so the
     * first one's bytes would be ignored silently (or another tensor's loaded). Streams the header's
     * top-level keys without building a tree.
     */
    private static void checkUniqueNames(byte[] bytes, int offset, int length, String source) {
        try (com.fasterxml.jackson.core.JsonParser p = JSON.getFactory().createParser(bytes, offset, length)) {
            if (p.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                return; // reported as "not a JSON object" by the caller
            }
            java.util.Set<String> seen = new java.util.HashSet<>();
            while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                String name = p.currentName();
                if (!seen.add(name)) {
                    throw new ModelFormatException(source + ": safetensors header names tensor " + name + " twice");
                }
                p.nextToken();
                p.skipChildren();
            }
        } catch (IOException e) {
            throw new ModelFormatException(source + ": safetensors header is not JSON: " + e.getMessage(), e);
        }
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
