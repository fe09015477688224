package org.e3spark.spark;

import java.io.Serializable;
import org.apache.spark.SparkContext;
import org.apache.spark.util.LongAccumulator;

/**
 * The job's named accumulators (visible in the Spark UI's stage pages): structures and atoms
 * featurized, edges, kernel batches, milliseconds inside kernels and creating (compiling) them,
 * rows skipped as invalid, task milliseconds, and batches that ran on a GPU. Values are exact once the actions that used them have finished.
 */
public record FeaturizeMetrics(LongAccumulator structures, LongAccumulator atoms, LongAccumulator edges,
                               LongAccumulator batches, LongAccumulator kernelMillis, LongAccumulator compileMillis,
                               LongAccumulator skippedRows, LongAccumulator taskMillis,
                               LongAccumulator gpuBatches) implements Serializable {

    public static FeaturizeMetrics register(SparkContext sc) {
        return new FeaturizeMetrics(sc.longAccumulator("e3spark.structures"), sc.longAccumulator("e3spark.atoms"),
                sc.longAccumulator("e3spark.edges"), sc.longAccumulator("e3spark.batches"),
                sc.longAccumulator("e3spark.kernel ms"), sc.longAccumulator("e3spark.compile ms"),
                sc.longAccumulator("e3spark.skipped rows"), sc.longAccumulator("e3spark.task ms"),
                sc.longAccumulator("e3spark.gpu batches"));
    }

    /** A plain copy of the current values. */
    public Snapshot snapshot() {
        return new Snapshot(structures.value(), atoms.value(), edges.value(), batches.value(), kernelMillis.value(),
                compileMillis.value(), skippedRows.value(), taskMillis.value(), gpuBatches.value());
    }

    /** Values at one moment. */
    public record Snapshot(long structures, long atoms, long edges, long batches, long kernelMillis, long compileMillis,
                           long skippedRows, long taskMillis, long gpuBatches) implements Serializable {
    }
}
