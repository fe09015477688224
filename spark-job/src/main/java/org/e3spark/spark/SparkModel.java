package org.e3spark.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.e3spark.model.FeaturizerConfig;
import org.e3spark.model.FeaturizerModel;
import org.e3spark.model.MaceModel;
import org.e3spark.model.ModelFormatException;
import org.e3spark.model.ModelIo;
import org.e3spark.model.SafeTensors;

/**
 * The model a featurize job runs, resolved once on the driver: the NequIP-style {@link FeaturizerModel}
 * (a featurizer config, seeded or with safetensors weights, or a saved .e3k) or a MACE model (a
 * {@code NAME.json} with {@code model_class}, its {@code NAME.safetensors} beside it or given). Each
 * travels to executors as bytes in one broadcast ({@link #bytes()}) and is decoded there once per
 * executor and fingerprint ({@link ExecutorState}). Each model names its result columns and the
 * partition function that computes them; both partition functions share the reader, batcher and
 * emitter ({@link PartitionRows}), so a job has one path whatever the model.
 */
public sealed interface SparkModel {

    /** Output column names beyond the pass-through ones, in order. */
    default java.util.List<String> resultColumns(FeaturizeSettings s) {
        return resultFields(s).stream().map(StructField::name).toList();
    }

    /** The output columns beyond the pass-through ones, in order, as Spark types them. */
    java.util.List<StructField> resultFields(FeaturizeSettings s);

    /** The partition function that runs this model on executors, reading it from {@code bytes} (its {@link #bytes()}). */
    MapPartitionsFunction<Row, Row> partition(Broadcast<byte[]> bytes, StructureColumns columns, int inputWidth,
                                              FeaturizeSettings settings, FeaturizeMetrics metrics);

    private static StructField field(String name, DataType type) {
        return DataTypes.createStructField(name, type, true);
    }

    /** {@code array<array<float>>}: one float row per atom. */
    private static DataType rows() {
        return DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.FloatType, false), false);
    }

    String name();

    /** Where its weights come from (seeded, a file). */
    String origin();

    /** Per-atom width: features (NequIP) or descriptors (MACE). */
    int atomWidth();

    String fingerprint();

    /** The model as broadcast bytes. */
    byte[] bytes();

    /** The NequIP-style featurizer. */
    record Nequip(FeaturizerModel model) implements SparkModel {
        @Override
        public java.util.List<StructField> resultFields(FeaturizeSettings s) {
            return fields(s);
        }

        /** atom_features, structure_features, and with forces energy and forces. */
        static java.util.List<StructField> fields(FeaturizeSettings s) {
            java.util.List<StructField> f = new java.util.ArrayList<>();
            f.add(field(s.atomFeaturesCol(), rows()));
            f.add(field(s.structureFeaturesCol(), DataTypes.createArrayType(DataTypes.FloatType, false)));
            if (s.forces()) {
                f.add(field("energy", DataTypes.DoubleType));
                f.add(field("forces", rows()));
            }
            return f;
        }

        @Override
        public MapPartitionsFunction<Row, Row> partition(Broadcast<byte[]> bytes, StructureColumns columns, int inputWidth,
                                                         FeaturizeSettings settings, FeaturizeMetrics metrics) {
            return new FeaturizePartition(bytes, fingerprint(), columns, inputWidth, settings, metrics);
        }

        @Override
        public String name() {
            return model.config().name();
        }

        @Override
        public String origin() {
            return model.origin();
        }

        @Override
        public int atomWidth() {
            return model.atomFeatureWidth();
        }

        @Override
        public String fingerprint() {
            return model.fingerprint();
        }

        @Override
        public byte[] bytes() {
            return ModelIo.toBytes(model);
        }
    }

    /** A mace-torch ScaleShiftMACE from its exported config and state dict (the raw files are what travel). */
    record Mace(MaceModel model, String name, String origin, byte[] config, byte[] stateDict, String fingerprint,
                int atomWidth) implements SparkModel {
        @Override
        public java.util.List<StructField> resultFields(FeaturizeSettings s) {
            return fields(s);
        }

        /** energy, forces (with forces), stress (with stress), atom_descriptors, structure_descriptors. */
        static java.util.List<StructField> fields(FeaturizeSettings s) {
            java.util.List<StructField> f = new java.util.ArrayList<>();
            f.add(field("energy", DataTypes.DoubleType));
            if (s.forces()) {
                f.add(field("forces", rows()));
            }
            if (s.stress()) {
                f.add(field("stress", DataTypes.createArrayType(DataTypes.DoubleType, false)));
            }
            f.add(field("atom_descriptors", rows()));
            f.add(field("structure_descriptors", DataTypes.createArrayType(DataTypes.FloatType, false)));
            return f;
        }

        @Override
        public MapPartitionsFunction<Row, Row> partition(Broadcast<byte[]> bytes, StructureColumns columns, int inputWidth,
                                                         FeaturizeSettings settings, FeaturizeMetrics metrics) {
            return new MacePartition(bytes, fingerprint, columns, inputWidth, settings, metrics);
        }

        @Override
        public byte[] bytes() {
            ByteArrayOutputStream b = new ByteArrayOutputStream(config.length + stateDict.length + 64);
            try (DataOutputStream out = new DataOutputStream(b)) {
                out.writeUTF(name);
                out.writeUTF(origin);
                out.writeInt(config.length);
                out.write(config);
                out.writeInt(stateDict.length);
                out.write(stateDict);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return b.toByteArray();
        }

        /** The model from {@link #bytes()}. */
        static MaceModel decode(byte[] bytes) {
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
                String name = in.readUTF();
                in.readUTF();
                byte[] config = new byte[in.readInt()];
                in.readFully(config);
                byte[] sd = new byte[in.readInt()];
                in.readFully(sd);
                return MaceModel.of(JSON.readTree(config), name + ".json", SafeTensors.read(sd, name + ".safetensors"),
                        name + ".safetensors");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot decode the broadcast MACE model", e);
            }
        }
    }

    ObjectMapper JSON = new ObjectMapper();

    /**
     * The model of a path ('' = the bundled featurizer-small) and optional weights: a JSON config with a
     * {@code model_class} key is MACE (weights default to the safetensors beside it), any other JSON a
     * featurizer config, {@code .e3k} a saved featurizer.
     */
    static SparkModel resolve(String path, String weights) {
        if (path.endsWith(".e3k")) {
            if (!weights.isEmpty()) {
                throw new IllegalArgumentException("a saved .e3k model already holds its weights; drop --weights " + weights);
            }
            return new Nequip(ModelIo.load(Path.of(path)));
        }
        if (!path.isEmpty() && isMaceConfig(Path.of(path))) {
            return mace(Path.of(path), weights.isEmpty() ? beside(Path.of(path)) : Path.of(weights));
        }
        FeaturizerConfig config = path.isEmpty() ? FeaturizerConfig.bundled("featurizer-small") : FeaturizerConfig.read(Path.of(path));
        return new Nequip(weights.isEmpty() ? FeaturizerModel.seeded(config)
                : FeaturizerModel.load(path.isEmpty() ? null : Path.of(path), Path.of(weights)));
    }

    /** Whether a file is a MACE config (a JSON object with {@code model_class}); unreadable JSON is not. */
    static boolean isMaceConfig(Path p) {
        if (!p.getFileName().toString().endsWith(".json") || !Files.isRegularFile(p)) {
            return false;
        }
        try {
            JsonNode n = JSON.readTree(Files.readAllBytes(p));
            return n != null && n.isObject() && n.has("model_class");
        } catch (IOException e) {
            return false; // the featurizer config reader reports it
        }
    }

    private static Path beside(Path config) {
        String n = config.getFileName().toString();
        Path w = config.resolveSibling(n.substring(0, n.length() - ".json".length()) + ".safetensors");
        if (!Files.isRegularFile(w)) {
            throw new ModelFormatException("MACE config " + config + " needs its state dict: " + w
                    + " does not exist (pass --weights FILE.safetensors)");
        }
        return w;
    }

    private static Mace mace(Path config, Path stateDict) {
        MaceModel m = MaceModel.load(config, stateDict);
        try {
            byte[] c = Files.readAllBytes(config);
            byte[] sd = Files.readAllBytes(stateDict);
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(c);
            md.update(sd);
            String name = config.getFileName().toString().replaceFirst("\\.json$", "");
            int width;
            try (org.e3spark.model.MacePotential p = org.e3spark.model.MacePotential.create(m,
                    org.e3spark.model.ComputeTarget.cpu(), org.e3spark.kernels.DType.FLOAT64)) {
                width = p.evaluate(java.util.List.of(), false, false).descriptorDim();
            }
            return new Mace(m, name, stateDict.toString(), c, sd, "mace-" + HexFormat.of().formatHex(md.digest()), width);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + config + " / " + stateDict, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
