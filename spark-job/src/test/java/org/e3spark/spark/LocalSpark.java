package org.e3spark.spark;

import org.apache.spark.sql.SparkSession;
import org.e3spark.model.FeaturizerConfig;
import org.e3spark.model.FeaturizerModel;

/** What the Spark test classes start from: one local session each, and the model they featurize with. */
final class LocalSpark {

    private LocalSpark() {
    }

    /** local[2] on the CPU, no UI, two shuffle partitions (the sample set is a few dozen rows). */
    static SparkSession session(String appName) {
        return SparkSession.builder().master("local[2]").appName(appName)
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
    }

    /** The bundled featurizer-small with its seeded weights. */
    static FeaturizerModel featurizerSmall() {
        return FeaturizerModel.seeded(FeaturizerConfig.bundled("featurizer-small"));
    }
}
