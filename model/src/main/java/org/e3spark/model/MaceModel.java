package org.e3spark.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.e3spark.kernels.CgConvention;
import org.e3spark.kernels.DType;
import org.e3spark.model.internal.mace.MaceConfig;
import org.e3spark.model.internal.mace.MaceNetwork;
import org.e3spark.model.internal.mace.MaceStateDict;

/**
 * A mace-torch ScaleShiftMACE, loaded from its two exported files: {@code NAME.json} (the
 * constructor's configuration, the keys of {@code docs/scripts/export_mace.py}'s output) and
 * {@code NAME.safetensors} (the module's {@code state_dict()} under MACE's own names). Loading
 * validates everything once: unsupported settings are refused naming the key and value, a missing,
 * unexpected or mis-shaped tensor naming the tensor and shapes. Immutable; evaluate it through a
 * {@link MacePotential}.
 */
public final class MaceModel {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final MaceConfig config;
    private final Map<String, NamedTensor> tensors;
    private final String source;

    private MaceModel(MaceConfig config, Map<String, NamedTensor> tensors, String source) {
        this.config = config;
        this.tensors = tensors;
        this.source = source;
    }

    /** Reads and validates a model; throws {@link ModelFormatException} naming what is wrong. */
    public static MaceModel load(Path config, Path stateDict) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(config));
        } catch (IOException e) {
            if (e instanceof com.fasterxml.jackson.core.JsonProcessingException) {
                throw new ModelFormatException(config + ": not JSON: " + e.getMessage(), e);
            }
            throw new UncheckedIOException("cannot read MACE config " + config, e);
        }
        return of(root, config.toString(), SafeTensors.read(stateDict), stateDict.toString());
    }

    /** A model from an already parsed config and state dict ({@code source}s name them in errors). */
    public static MaceModel of(JsonNode config, String configSource, Map<String, NamedTensor> stateDict,
                               String stateDictSource) {
        MaceConfig c = MaceConfig.parse(config, configSource);
        Map<String, NamedTensor> t = Collections.unmodifiableMap(new LinkedHashMap<>(stateDict));
        // bind once to validate every tensor now, not at the first evaluation
        MaceStateDict.bind(c, t, stateDictSource, DType.FLOAT64).close();
        return new MaceModel(c, t, stateDictSource);
    }

    /** The element order of the one-hot (MACE's z_table). */
    public int[] atomicNumbers() {
        return config.atomicNumbers().clone();
    }

    /** The cutoff of the radius graph (Å). */
    public double rMax() {
        return config.rMax();
    }

    public int numInteractions() {
        return config.numInteractions();
    }

    /** The Clebsch-Gordan sign convention the model was built with (from e3nn_version). */
    public CgConvention convention() {
        return config.convention();
    }

    MaceConfig config() {
        return config;
    }

    MaceNetwork network(DType dtype) {
        return MaceStateDict.bind(config, tensors, source, dtype);
    }

    @Override
    public String toString() {
        return "MaceModel[ScaleShiftMACE, " + config.numInteractions() + " interactions, hidden "
                + config.hiddenIrreps() + ", max_ell " + config.maxEll() + ", r_max " + config.rMax() + ", "
                + config.numElements() + " elements, " + config.convention() + "]";
    }
}
