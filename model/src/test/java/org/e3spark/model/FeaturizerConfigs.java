package org.e3spark.model;

/** Featurizer configs for tests beyond the bundled one. */
public final class FeaturizerConfigs {

    private FeaturizerConfigs() {
    }

    /**
     * A second shape: l <= 3 with odd and even irreps, three layers (the first not residual: its
     * input is the 8x0e embedding), a two-hidden-layer radial MLP, MACE's Bessel prefactor, p = 5.
     */
    public static FeaturizerConfig wide() {
        return FeaturizerConfig.parse("""
                {
                  "name": "test-wide",
                  "cutoff": 4.5,
                  "radial": {"basis": "bessel", "count": 6, "prefactor": "mace", "envelope_p": 5, "mlp_hidden": [16, 8]},
                  "lmax": 3,
                  "embedding_irreps": "8x0e",
                  "hidden_irreps": ["12x0e + 6x1o + 4x2e + 2x3o", "12x0e + 6x1o + 4x2e + 2x3o", "8x0e + 4x1o + 3x1e + 2x2o"],
                  "avg_num_neighbors": 15.0,
                  "species": ["H", "C", "N", "O", "Al", "Si", "Ni", "Cu", "Pd", "Ag", "Pt", "Au"],
                  "seed": 99
                }""", "FeaturizerConfigs.wide");
    }
}
