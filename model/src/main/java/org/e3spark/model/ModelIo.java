package org.e3spark.model;

import com.esotericsoftware.kryo.kryo5.Kryo;
import com.esotericsoftware.kryo.kryo5.KryoException;
import com.esotericsoftware.kryo.kryo5.io.Input;
import com.esotericsoftware.kryo.kryo5.io.Output;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import org.e3spark.kernels.Backend;
import org.e3spark.kernels.ConvMode;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.TensorProduct;
import org.e3spark.kernels.TensorProductConv;
import org.e3spark.model.internal.KryoFormat;

/**
 * Saves and loads featurizer models, tensor products and convolutions with Kryo 5 (the relocated
 * {@code kryo5} artifact, which coexists with Spark's Kryo 4). File layout, big-endian:
 * <pre>
 *   8 bytes   magic "E3SPKRY5"
 *   int32     format version ({@value #VERSION})
 *   UTF       kind: "featurizer-model", "tensor-product" or "tensor-product-conv"
 *   int64     payload length
 *   int64     CRC-32 of the payload
 *   payload   Kryo 5, registration required (see KryoFormat)
 * </pre>
 * Problems travel as descriptors, never as compiled kernels, so a file is portable across GPU
 * architectures: loading re-creates the kernels for the local device (and backend). A file that is
 * not this format, of a newer version, of another kind, truncated or corrupt throws
 * {@link ModelFormatException} saying which. Spark ships models to executors as these bytes.
 */
public final class ModelIo {

    public static final int VERSION = 1;
    private static final byte[] MAGIC = "E3SPKRY5".getBytes(StandardCharsets.US_ASCII);
    private static final String MODEL = "featurizer-model";
    private static final String TP = "tensor-product";
    private static final String CONV = "tensor-product-conv";
    private static final long MAX_PAYLOAD = 1L << 31;

    private ModelIo() {
    }

    // ------------------------------------------------------------------ models

    public static byte[] toBytes(FeaturizerModel model) {
        return write(MODEL, model);
    }

    public static FeaturizerModel fromBytes(byte[] bytes, String source) {
        return (FeaturizerModel) read(bytes, MODEL, FeaturizerModel.class, source);
    }

    public static void save(FeaturizerModel model, Path file) {
        writeFile(file, toBytes(model));
    }

    public static FeaturizerModel load(Path file) {
        return fromBytes(readFile(file), file.toString());
    }

    // ------------------------------------------------------- tensor products

    public static byte[] toBytes(TensorProduct tp) {
        return write(TP, new KryoFormat.KernelSpec(tp.problem(), tp.dtype().name(), tp.backend().name(), null));
    }

    public static byte[] toBytes(TensorProductConv conv) {
        return write(CONV, new KryoFormat.KernelSpec(conv.problem(), conv.dtype().name(), conv.backend().name(),
                conv.mode().name()));
    }

    /**
     * Re-creates a saved tensor product on {@code backendOrNull} (null: the backend it was saved
     * from); kernels are generated and compiled for this machine's device.
     */
    public static TensorProduct tensorProductFromBytes(byte[] bytes, String source, Backend backendOrNull) {
        KryoFormat.KernelSpec s = (KryoFormat.KernelSpec) read(bytes, TP, KryoFormat.KernelSpec.class, source);
        return TensorProduct.create(s.problem(), backendOrNull != null ? backendOrNull : Backend.valueOf(s.backend()),
                DType.valueOf(s.dtype()));
    }

    public static TensorProductConv convFromBytes(byte[] bytes, String source, Backend backendOrNull) {
        KryoFormat.KernelSpec s = (KryoFormat.KernelSpec) read(bytes, CONV, KryoFormat.KernelSpec.class, source);
        return TensorProductConv.create(s.problem(), backendOrNull != null ? backendOrNull : Backend.valueOf(s.backend()),
                DType.valueOf(s.dtype()), ConvMode.valueOf(s.convModeOrNull()));
    }

    // ------------------------------------------------------------- framing

    private static byte[] write(String kind, Object value) {
        Kryo kryo = KryoFormat.kryo();
        ByteArrayOutputStream payloadBytes = new ByteArrayOutputStream();
        try (Output out = new Output(payloadBytes)) {
            kryo.writeClassAndObject(out, value);
        }
        byte[] payload = payloadBytes.toByteArray();
        CRC32 crc = new CRC32();
        crc.update(payload);
        ByteArrayOutputStream file = new ByteArrayOutputStream(payload.length + 64);
        try (DataOutputStream d = new DataOutputStream(file)) {
            d.write(MAGIC);
            d.writeInt(VERSION);
            d.writeUTF(kind);
            d.writeLong(payload.length);
            d.writeLong(crc.getValue());
            d.write(payload);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file.toByteArray();
    }

    private static Object read(byte[] bytes, String expectedKind, Class<?> expectedClass, String source) {
        try (DataInputStream d = new DataInputStream(new java.io.ByteArrayInputStream(bytes))) {
            byte[] magic = new byte[MAGIC.length];
            int got = d.read(magic);
            if (got != MAGIC.length || !Arrays.equals(magic, MAGIC)) {
                throw new ModelFormatException(source + ": not an e3spark Kryo file (expected magic \"E3SPKRY5\", found "
                        + printable(magic, Math.max(got, 0)) + ")");
            }
            int version = d.readInt();
            if (version != VERSION) {
                throw new ModelFormatException(source + ": e3spark Kryo format version " + version
                        + " is not supported by this build (it reads version " + VERSION + ")");
            }
            String kind = d.readUTF();
            if (!kind.equals(expectedKind)) {
                throw new ModelFormatException(source + ": holds a " + kind + ", not a " + expectedKind);
            }
            long length = d.readLong();
            long crc = d.readLong();
            if (length < 0 || length > MAX_PAYLOAD || length > d.available()) {
                throw new ModelFormatException(source + ": truncated or corrupt (payload of " + length + " bytes, "
                        + d.available() + " present)");
            }
            byte[] payload = d.readNBytes((int) length);
            CRC32 actual = new CRC32();
            actual.update(payload);
            if (actual.getValue() != crc) {
                throw new ModelFormatException(source + ": corrupt (payload checksum " + Long.toHexString(actual.getValue())
                        + " differs from the recorded " + Long.toHexString(crc) + ")");
            }
            Object value;
            try (Input in = new Input(payload)) {
                value = KryoFormat.kryo().readClassAndObject(in);
            }
            if (!expectedClass.isInstance(value)) {
                throw new ModelFormatException(source + ": payload is a " + (value == null ? "null" : value.getClass().getName())
                        + ", not a " + expectedClass.getSimpleName());
            }
            return value;
        } catch (EOFException e) {
            throw new ModelFormatException(source + ": truncated (ends inside the header)", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ModelFormatException e) {
            throw e;
        } catch (KryoException | IllegalArgumentException | IllegalStateException | IndexOutOfBoundsException
                 | NegativeArraySizeException | ArithmeticException | NullPointerException | ClassCastException e) {
            // whatever a crafted payload makes the decoder throw, the caller sees the model-format error
            throw new ModelFormatException(source + ": cannot decode the payload: " + e, e);
        }
    }

    private static String printable(byte[] b, int n) {
        StringBuilder s = new StringBuilder("\"");
        for (int i = 0; i < n; i++) {
            int c = b[i] & 0xff;
            s.append(c >= 32 && c < 127 ? String.valueOf((char) c) : String.format("\\x%02x", c));
        }
        return s.append('"').toString();
    }

    private static void writeFile(Path file, byte[] bytes) {
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static byte[] readFile(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
