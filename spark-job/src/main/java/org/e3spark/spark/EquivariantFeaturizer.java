package org.e3spark.spark;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RuntimeConfig;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.e3spark.model.FeaturizerModel;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.e3spark.kernels.DType;

/**
 * A Spark ML {@link Transformer}: a DataFrame of structures (arrow-bridge's structure schema:
 * {@code structure_id, numbers, positions, cell, pbc} and any pass-through columns) in, the
 * pass-through columns plus {@code atom_features array<array<float>>} (one entry per atom, input
 * order) and {@code structure_features array<float>} (sum then mean over atoms) out; with forces
 * on, also {@code energy double} and {@code forces array<array<float>>}. With a MACE model (a
 * {@code modelPath} to a config with {@code model_class}, its {@code .safetensors} beside it) the
 * results are {@code energy double}, {@code forces} (with forces), {@code stress array<double>} (9
 * values, periodic rows, with stress), {@code atom_descriptors array<array<float>>} and
 * {@code structure_descriptors array<float>} (mean over atoms); see {@link SparkModel}.
 *
 * <p>Params: the model (a path to a config or a saved .e3k model, optional safetensors weights, or
 * a {@link FeaturizerModel} object via {@link #setModel}), the input and output column names, the
 * batch budget, backend, dtype, forces and onError. A param left unset takes its
 * {@code spark.e3spark.*} setting ({@link E3SparkConf}), then the default. The model travels to
 * executors as bytes in a broadcast (Kryo 5 for the featurizer, the two files for MACE); each
 * executor decodes it once.
 *
 * <p>{@link #transform} returns the featurized rows; under onError=skip, bad rows are left out of
 * it and counted. {@link #transformWithErrors} also returns them, with the reason.
 */
public final class EquivariantFeaturizer extends Transformer {

    private static final long serialVersionUID = 1L;
    static final String ERROR_COL = "_e3spark_error";

    private final String uid;
    private final Param<String> modelPath;
    private final Param<String> weightsPath;
    private final Param<String> structureIdCol;
    private final Param<String> numbersCol;
    private final Param<String> positionsCol;
    private final Param<String> cellCol;
    private final Param<String> pbcCol;
    private final Param<String> atomFeaturesCol;
    private final Param<String> structureFeaturesCol;
    private final IntParam maxNodes;
    private final IntParam maxEdges;
    private final Param<String> backend;
    private final Param<String> dtype;
    private final Param<String> onError;
    private final BooleanParam forces;
    private final BooleanParam stress;
    private FeaturizerModel model;
    private transient FeaturizeMetrics lastMetrics;
    private transient FeaturizerModel lastModel;
    private transient FeaturizeSettings lastSettings;
    private transient SparkModel lastSparkModel;

    public EquivariantFeaturizer() {
        this(Identifiable$.MODULE$.randomUID("e3featurizer"));
    }

    public EquivariantFeaturizer(String uid) {
        this.uid = uid;
        modelPath = new Param<>(this, "modelPath", "config JSON or saved .e3k model ('' = spark.e3spark.model, else the bundled featurizer-small)");
        weightsPath = new Param<>(this, "weightsPath", "safetensors weights for the config ('' = spark.e3spark.weights, else seeded)");
        structureIdCol = new Param<>(this, "structureIdCol", "structure id column (integer)");
        numbersCol = new Param<>(this, "numbersCol", "atomic numbers column (array<int>)");
        positionsCol = new Param<>(this, "positionsCol", "positions column (array<double>, 3N, Å)");
        cellCol = new Param<>(this, "cellCol", "cell column (array<double>, 9, rows a b c; null = no cell)");
        pbcCol = new Param<>(this, "pbcCol", "periodic flags column (array<boolean>, 3)");
        atomFeaturesCol = new Param<>(this, "atomFeaturesCol", "output column of per-atom features");
        structureFeaturesCol = new Param<>(this, "structureFeaturesCol", "output column of per-structure features");
        maxNodes = new IntParam(this, "maxNodes", "atoms per kernel batch (spark.e3spark.batch.maxNodes)");
        maxEdges = new IntParam(this, "maxEdges", "edges per kernel batch, 0 = none (spark.e3spark.batch.maxEdges)");
        backend = new Param<>(this, "backend", "auto|cuda|cpu (spark.e3spark.backend)");
        dtype = new Param<>(this, "dtype", "float32|float64 (spark.e3spark.dtype)");
        onError = new Param<>(this, "onError", "fail|skip (spark.e3spark.onError)");
        forces = new BooleanParam(this, "forces", "also output energy and forces (spark.e3spark.forces)");
        stress = new BooleanParam(this, "stress", "MACE: also output the stress of periodic rows (spark.e3spark.stress)");
        setDefault(modelPath, "");
        setDefault(weightsPath, "");
        setDefault(structureIdCol, "structure_id");
        setDefault(numbersCol, "numbers");
        setDefault(positionsCol, "positions");
        setDefault(cellCol, "cell");
        setDefault(pbcCol, "pbc");
        setDefault(atomFeaturesCol, "atom_features");
        setDefault(structureFeaturesCol, "structure_features");
    }

    @Override
    public String uid() {
        return uid;
    }

    // -------------------------------------------------------------- params

    public Param<String> modelPath() { return modelPath; }
    public Param<String> weightsPath() { return weightsPath; }
    public Param<String> structureIdCol() { return structureIdCol; }
    public Param<String> numbersCol() { return numbersCol; }
    public Param<String> positionsCol() { return positionsCol; }
    public Param<String> cellCol() { return cellCol; }
    public Param<String> pbcCol() { return pbcCol; }
    public Param<String> atomFeaturesCol() { return atomFeaturesCol; }
    public Param<String> structureFeaturesCol() { return structureFeaturesCol; }
    public IntParam maxNodes() { return maxNodes; }
    public IntParam maxEdges() { return maxEdges; }
    public Param<String> backend() { return backend; }
    public Param<String> dtype() { return dtype; }
    public Param<String> onError() { return onError; }
    public BooleanParam forces() { return forces; }
    public BooleanParam stress() { return stress; }

    public EquivariantFeaturizer setModelPath(String v) { set(modelPath, v); return this; }
    public EquivariantFeaturizer setWeightsPath(String v) { set(weightsPath, v); return this; }
    public EquivariantFeaturizer setStructureIdCol(String v) { set(structureIdCol, v); return this; }
    public EquivariantFeaturizer setAtomFeaturesCol(String v) { set(atomFeaturesCol, v); return this; }
    public EquivariantFeaturizer setStructureFeaturesCol(String v) { set(structureFeaturesCol, v); return this; }
    public EquivariantFeaturizer setMaxNodes(int v) { set(maxNodes, v); return this; }
    public EquivariantFeaturizer setMaxEdges(int v) { set(maxEdges, v); return this; }
    public EquivariantFeaturizer setBackend(String v) { set(backend, E3SparkConf.BACKEND.parse(v)); return this; }
    public EquivariantFeaturizer setDtype(String v) { set(dtype, E3SparkConf.DTYPE.parse(v)); return this; }
    public EquivariantFeaturizer setOnError(String v) { set(onError, E3SparkConf.ON_ERROR.parse(v)); return this; }
    public EquivariantFeaturizer setForces(boolean v) { set(forces, v); return this; }
    public EquivariantFeaturizer setStress(boolean v) { set(stress, v); return this; }

    /** Uses this model object (overrides modelPath and weightsPath). */
    public EquivariantFeaturizer setModel(FeaturizerModel m) {
        this.model = m;
        return this;
    }

    /**
     * The NequIP-style model this transformer uses, loading it from the paths (or the bundled default)
     * when needed; a MACE path is refused here (see {@link #resolve}).
     */
    public FeaturizerModel resolveModel(RuntimeConfig conf) {
        if (resolve(conf) instanceof SparkModel.Nequip n) {
            return n.model();
        }
        throw new IllegalArgumentException("modelPath " + getOrDefault(modelPath) + " is a MACE model; use resolve()");
    }

    /**
     * The model this transformer runs: the {@link #setModel} object, else the model path's (a MACE
     * config with {@code model_class}, a featurizer config or a saved .e3k; '' = the bundled
     * featurizer-small) with the weights path.
     */
    public SparkModel resolve(RuntimeConfig conf) {
        if (model != null) {
            return new SparkModel.Nequip(model);
        }
        return SparkModel.resolve(orConf(modelPath, E3SparkConf.MODEL.get(conf)), orConf(weightsPath, E3SparkConf.WEIGHTS.get(conf)));
    }

    private String orConf(Param<String> p, String confValue) {
        String v = getOrDefault(p);
        return v.isEmpty() ? confValue : v;
    }

    private <T> T paramOrConf(Param<T> p, E3SparkConf.Key<T> key, RuntimeConfig conf) {
        return isSet(p) ? getOrDefault(p) : key.get(conf);
    }

    /** Resolved settings for a session (params over spark.e3spark.* over defaults). */
    public FeaturizeSettings settings(RuntimeConfig conf) {
        return new FeaturizeSettings(FeaturizeSettings.BackendSetting.of(paramOrConf(backend, E3SparkConf.BACKEND, conf)),
                E3SparkConf.GPU_DEVICE.get(conf), E3SparkConf.GPU_CONCURRENT_TASKS.get(conf),
                DType.valueOf(paramOrConf(dtype, E3SparkConf.DTYPE, conf).toUpperCase(java.util.Locale.ROOT)),
                paramOrConf(onError, E3SparkConf.ON_ERROR, conf).equals("skip"),
                isSet(maxNodes) ? (Integer) getOrDefault(maxNodes) : E3SparkConf.BATCH_MAX_NODES.get(conf),
                isSet(maxEdges) ? (Integer) getOrDefault(maxEdges) : E3SparkConf.BATCH_MAX_EDGES.get(conf),
                isSet(forces) ? (Boolean) getOrDefault(forces) : E3SparkConf.FORCES.get(conf),
                isSet(stress) ? (Boolean) getOrDefault(stress) : E3SparkConf.STRESS.get(conf),
                E3SparkConf.PROGRESS_SECONDS.get(conf), getOrDefault(atomFeaturesCol), getOrDefault(structureFeaturesCol));
    }

    // ------------------------------------------------------------ transform

    /**
     * One pass, two outputs: {@code features} (featurized rows) and {@code errors} (rejected rows:
     * pass-through columns and the reason), both filters of {@code combined}; persist
     * {@code combined} before running actions on both.
     */
    public record Result(Dataset<Row> combined, Dataset<Row> features, Dataset<Row> errors, FeaturizeMetrics metrics,
                         FeaturizerModel model, FeaturizeSettings settings, SparkModel sparkModel) {
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        return transformWithErrors(dataset).features();
    }

    /**
     * Both outputs of one pass. The combined rows are computed once per action that reads them;
     * callers that write both outputs should {@code persist()} {@link #combined} (FeaturizeJob does).
     */
    public Result transformWithErrors(Dataset<?> dataset) {
        Dataset<Row> all = combined(dataset);
        Dataset<Row> features = all.filter(functions.col(ERROR_COL).isNull()).drop(ERROR_COL);
        List<String> errorCols = new ArrayList<>();
        List<String> results = lastSparkModel.resultColumns(lastSettings);
        for (String c : all.columns()) {
            if (!results.contains(c) && !c.equals(ERROR_COL)) {
                errorCols.add(c);
            }
        }
        List<org.apache.spark.sql.Column> selected = new ArrayList<>();
        errorCols.forEach(c -> selected.add(functions.col(c)));
        selected.add(functions.col(ERROR_COL).as("error"));
        Dataset<Row> errors = all.filter(functions.col(ERROR_COL).isNotNull())
                .select(selected.toArray(new org.apache.spark.sql.Column[0]));
        return new Result(all, features, errors, lastMetrics, lastModel, lastSettings, lastSparkModel);
    }

    /** Every row: features, or nulls and the error in {@value #ERROR_COL}. */
    public Dataset<Row> combined(Dataset<?> dataset) {
        SparkSession spark = dataset.sparkSession();
        RuntimeConfig conf = spark.conf();
        StructType in = dataset.schema();
        StructureColumns cols = StructureColumns.of(in, getOrDefault(structureIdCol), getOrDefault(numbersCol),
                getOrDefault(positionsCol), getOrDefault(cellCol), getOrDefault(pbcCol));
        FeaturizeSettings s = settings(conf);
        SparkModel m = resolve(conf);
        if (s.stress() && !(m instanceof SparkModel.Mace)) {
            throw new IllegalArgumentException("stress needs a MACE model (--model NAME.json with model_class); "
                    + m.name() + " gives features, energy and forces only");
        }
        StructType out = withErrorColumn(outputSchema(in, cols, m.resultFields(s)));
        FeaturizeMetrics metrics = FeaturizeMetrics.register(spark.sparkContext());
        Broadcast<byte[]> bytes = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(m.bytes());
        lastMetrics = metrics;
        lastModel = m instanceof SparkModel.Nequip n ? n.model() : null;
        lastSettings = s;
        lastSparkModel = m;
        MapPartitionsFunction<Row, Row> fn = m.partition(bytes, cols, in.fields().length, s, metrics);
        return dataset.toDF().mapPartitions(fn, Encoders.row(out));
    }

    /** The metrics of the latest {@link #transform} on the driver (null before the first). */
    public FeaturizeMetrics lastMetrics() {
        return lastMetrics;
    }

    static StructType withErrorColumn(StructType s) {
        return s.add(ERROR_COL, DataTypes.StringType, true);
    }

    static StructType outputSchema(StructType in, StructureColumns cols, List<StructField> results) {
        List<StructField> fields = new ArrayList<>();
        for (int i = 0; i < in.fields().length; i++) {
            if (!cols.isGeometry(i)) {
                fields.add(in.fields()[i]);
            }
        }
        fields.addAll(results);
        return DataTypes.createStructType(fields);
    }

    @Override
    public StructType transformSchema(StructType schema) {
        StructureColumns cols = StructureColumns.of(schema, getOrDefault(structureIdCol), getOrDefault(numbersCol),
                getOrDefault(positionsCol), getOrDefault(cellCol), getOrDefault(pbcCol));
        FeaturizeSettings s = new FeaturizeSettings(FeaturizeSettings.BackendSetting.CPU, -1, 1, DType.FLOAT32, false, 1,
                0, isSet(forces) && (Boolean) getOrDefault(forces), isSet(stress) && (Boolean) getOrDefault(stress), 1,
                getOrDefault(atomFeaturesCol), getOrDefault(structureFeaturesCol));
        String path = getOrDefault(modelPath);
        boolean mace = model == null && !path.isEmpty() && SparkModel.isMaceConfig(Path.of(path));
        // the types only: the NequIP fields do not depend on the model's widths
        return outputSchema(schema, cols, mace ? SparkModel.Mace.fields(s) : SparkModel.Nequip.fields(s));
    }

    @Override
    public EquivariantFeaturizer copy(ParamMap extra) {
        EquivariantFeaturizer c = (EquivariantFeaturizer) defaultCopy(extra);
        c.model = model;
        return c;
    }
}
