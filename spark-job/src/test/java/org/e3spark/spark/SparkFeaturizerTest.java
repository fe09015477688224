package org.e3spark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.e3spark.data.SampleDataset;
import org.e3spark.data.Structure;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Spark side on local[2] with one shared session: transformer, job, errors, metrics. */
class SparkFeaturizerTest {

    static SparkSession spark;
    static List<Structure> sample;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().master("local[2]").appName("e3spark-test")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
        sample = SampleDataset.load();
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @Test
    void smoke() {
        Dataset<Row> in = StructureFrames.of(spark, sample, 2);
        in.printSchema();
        Dataset<Row> out = new EquivariantFeaturizer().transform(in);
        out.printSchema();
        List<Row> rows = out.collectAsList();
        assertEquals(9, rows.size());
        System.out.println(rows.get(0));
        assertTrue(true);
    }
}
