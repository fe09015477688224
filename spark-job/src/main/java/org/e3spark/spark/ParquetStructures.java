package org.e3spark.spark;

import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.e3spark.data.ErrorPolicy;
import org.e3spark.data.InvalidStructureException;
import org.e3spark.data.SkipLog;
import org.e3spark.data.Structure;

/**
 * Structures streamed out of a Parquet file in the structure schema (arrow-bridge/README.md), for
 * tools outside a Spark job (e.g. {@code bin/e3spark graph}). A plain JVM cannot read Parquet
 * without Hadoop's stack, which Spark already brings, so this opens a local Spark session and
 * pulls rows through {@code toLocalIterator} (one partition in memory at a time). Rows that cannot
 * make a structure are skipped and counted or fail, by the given policy. Close to stop the session.
 */
public final class ParquetStructures implements Iterator<Structure>, AutoCloseable {

    private final SparkSession spark;
    private final boolean ownsSession;
    private final Iterator<Row> rows;
    private final StructureColumns columns;
    private final ErrorPolicy policy;
    private final SkipLog skipLog = new SkipLog();
    private Structure next;

    private ParquetStructures(SparkSession spark, boolean ownsSession, Dataset<Row> df, ErrorPolicy policy) {
        this.spark = spark;
        this.ownsSession = ownsSession;
        this.columns = StructureColumns.of(df.schema(), "structure_id", "numbers", "positions", "cell", "pbc");
        this.rows = df.toLocalIterator();
        this.policy = policy;
    }

    /** Reads with the running Spark session if there is one, else with a local one it stops on close. */
    public static ParquetStructures open(String path, ErrorPolicy policy) {
        boolean owns = SparkSession.getDefaultSession().isEmpty();
        SparkSession spark = owns
                ? SparkSession.builder().appName("e3spark parquet reader").master("local[1]")
                        .config("spark.ui.enabled", "false").getOrCreate()
                : SparkSession.getDefaultSession().get();
        try {
            return new ParquetStructures(spark, owns, spark.read().parquet(path), policy);
        } catch (RuntimeException e) {
            if (owns) {
                spark.stop();
            }
            throw new IllegalArgumentException("cannot read structures from Parquet '" + path + "': " + e.getMessage(), e);
        }
    }

    public SkipLog skipLog() {
        return skipLog;
    }

    @Override
    public boolean hasNext() {
        while (next == null && rows.hasNext()) {
            Row row = rows.next();
            try {
                next = columns.toStructure(row);
            } catch (InvalidStructureException e) {
                skipLog.handle(policy, columns.idOf(row), e);
            }
        }
        return next != null;
    }

    @Override
    public Structure next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Structure s = next;
        next = null;
        return s;
    }

    @Override
    public void close() {
        if (ownsSession) {
            spark.stop();
        }
    }
}
