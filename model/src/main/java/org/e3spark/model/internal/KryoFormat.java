package org.e3spark.model.internal;

import com.esotericsoftware.kryo.kryo5.Kryo;
import com.esotericsoftware.kryo.kryo5.KryoException;
import com.esotericsoftware.kryo.kryo5.Serializer;
import com.esotericsoftware.kryo.kryo5.io.Input;
import com.esotericsoftware.kryo.kryo5.io.Output;
import java.util.LinkedHashMap;
import java.util.Map;
import org.e3spark.kernels.ConnectionMode;
import org.e3spark.kernels.Instruction;
import org.e3spark.kernels.IrrepNormalization;
import org.e3spark.kernels.Irreps;
import org.e3spark.kernels.Layout;
import org.e3spark.kernels.PathNormalization;
import org.e3spark.kernels.TPProblem;
import org.e3spark.model.FeaturizerConfig;
import org.e3spark.model.FeaturizerModel;
import org.e3spark.model.NamedTensor;

/**
 * The Kryo 5 side of {@link org.e3spark.model.ModelIo}: a Kryo with registration required and
 * fixed ids for exactly the classes a file may hold, each with an explicit field-by-field
 * serializer (no reflection over private fields, so refactoring a class cannot silently change
 * the format). Problems are stored as descriptors (irreps strings, instructions, normalizations),
 * never as compiled kernels: loading regenerates kernels for the local device.
 */
public final class KryoFormat {

    /** A tensor product or convolution as stored: its problem, dtype, backend, and (conv only) mode. */
    public record KernelSpec(TPProblem problem, String dtype, String backend, String convModeOrNull) {
    }

    private KryoFormat() {
    }

    /**
     * An array length read from the file, bounded by the bytes left in it ({@code elementBytes}
     * each): a crafted length (2^31 - 1 behind a valid CRC) must be refused before it is allocated.
     */
    static int length(Input in, int elementBytes, String what) {
        int n = in.readVarInt(true);
        long left = in.limit() - in.position();
        if (n < 0 || (long) n * elementBytes > left) {
            throw new KryoException(what + ": length " + n + " needs " + ((long) n * elementBytes) + " bytes, "
                    + left + " are left in the payload");
        }
        return n;
    }

    /**
     * Kryo's readString, its length bounded first: a UTF-8 string's char count precedes its bytes
     * and Kryo allocates that many chars, so a crafted count is checked against the bytes left (one
     * char takes at least one byte). ASCII strings carry no count and cannot outgrow the payload.
     */
    static String string(Input in, String what) {
        if (in.position() < in.limit() && in.readVarIntFlag()) {
            int start = in.position();
            int chars = in.readVarIntFlag(true) - 1; // 0 is null, 1 the empty string, n + 1 n chars
            long left = in.limit() - in.position();
            if (chars > left) {
                throw new KryoException(what + ": a string of " + chars + " chars, " + left + " bytes are left in the payload");
            }
            in.setPosition(start);
        }
        return in.readString();
    }

    /** A new Kryo for one read or write (Kryo instances are not thread-safe). */
    public static Kryo kryo() {
        Kryo k = new Kryo();
        k.setRegistrationRequired(true);
        k.setReferences(false);
        k.register(FeaturizerModel.class, new ModelSerializer(), 20);
        k.register(TPProblem.class, new ProblemSerializer(), 21);
        k.register(KernelSpec.class, new KernelSpecSerializer(), 22);
        return k;
    }

    static final class ModelSerializer extends Serializer<FeaturizerModel> {
        @Override
        public void write(Kryo kryo, Output out, FeaturizerModel m) {
            out.writeString(m.config().toJson());
            out.writeString(m.origin());
            out.writeVarInt(m.weights().size(), true);
            for (NamedTensor t : m.weights().values()) {
                out.writeString(t.name());
                int[] shape = t.shape();
                out.writeVarInt(shape.length, true);
                out.writeInts(shape, 0, shape.length);
                double[] v = t.values();
                out.writeVarInt(v.length, true);
                out.writeDoubles(v, 0, v.length);
            }
        }

        @Override
        public FeaturizerModel read(Kryo kryo, Input in, Class<? extends FeaturizerModel> type) {
            FeaturizerConfig config = FeaturizerConfig.parse(string(in, "config"), "kryo model file");
            String origin = string(in, "origin");
            int count = length(in, 1, "tensor count"); // each tensor takes at least a byte
            Map<String, NamedTensor> tensors = new LinkedHashMap<>();
            for (int i = 0; i < count; i++) {
                String name = string(in, "tensor name");
                int[] shape = in.readInts(length(in, 4, "shape of " + name));
                double[] values = in.readDoubles(length(in, 8, "values of " + name));
                if (tensors.put(name, new NamedTensor(name, shape, values)) != null) {
                    throw new KryoException("tensor " + name + " appears twice");
                }
            }
            return FeaturizerModel.withWeights(config, tensors, origin);
        }
    }

    static final class ProblemSerializer extends Serializer<TPProblem> {
        @Override
        public void write(Kryo kryo, Output out, TPProblem p) {
            out.writeString(p.in1().toString());
            out.writeString(p.in2().toString());
            out.writeString(p.out().toString());
            out.writeVarInt(p.instructions().size(), true);
            for (Instruction ins : p.instructions()) {
                out.writeVarInt(ins.in1(), true);
                out.writeVarInt(ins.in2(), true);
                out.writeVarInt(ins.out(), true);
                out.writeString(ins.mode().name());
                out.writeBoolean(ins.hasWeight());
                out.writeDouble(ins.pathWeight());
            }
            out.writeString(p.irrepNormalization().name());
            out.writeString(p.pathNormalization().name());
            writeDoubles(out, p.in1Variances());
            writeDoubles(out, p.in2Variances());
            writeDoubles(out, p.outVariances());
            out.writeBoolean(p.sharedWeights());
            out.writeString(p.layout().name());
        }

        @Override
        public TPProblem read(Kryo kryo, Input in, Class<? extends TPProblem> type) {
            TPProblem.Builder b = TPProblem.builder(Irreps.parse(string(in, "in1")), Irreps.parse(string(in, "in2")),
                    Irreps.parse(string(in, "out")));
            int n = length(in, 4, "instruction count");
            for (int i = 0; i < n; i++) {
                b.instruction(new Instruction(in.readVarInt(true), in.readVarInt(true), in.readVarInt(true),
                        ConnectionMode.valueOf(string(in, "mode")), in.readBoolean(), in.readDouble()));
            }
            b.irrepNormalization(IrrepNormalization.valueOf(string(in, "irrep normalization")));
            b.pathNormalization(PathNormalization.valueOf(string(in, "path normalization")));
            b.in1Variances(readDoubles(in));
            b.in2Variances(readDoubles(in));
            b.outVariances(readDoubles(in));
            b.sharedWeights(in.readBoolean());
            b.layout(Layout.valueOf(string(in, "layout")));
            return b.build();
        }

        private static void writeDoubles(Output out, double[] v) {
            out.writeVarInt(v.length, true);
            out.writeDoubles(v, 0, v.length);
        }

        private static double[] readDoubles(Input in) {
            return in.readDoubles(length(in, 8, "variances"));
        }
    }

    static final class KernelSpecSerializer extends Serializer<KernelSpec> {
        @Override
        public void write(Kryo kryo, Output out, KernelSpec s) {
            kryo.writeObject(out, s.problem());
            out.writeString(s.dtype());
            out.writeString(s.backend());
            out.writeString(s.convModeOrNull());
        }

        @Override
        public KernelSpec read(Kryo kryo, Input in, Class<? extends KernelSpec> type) {
            return new KernelSpec(kryo.readObject(in, TPProblem.class), string(in, "dtype"), string(in, "backend"),
                    string(in, "conv mode"));
        }
    }
}
