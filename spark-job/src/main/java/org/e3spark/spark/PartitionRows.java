package org.e3spark.spark;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Function;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.e3spark.data.Structure;
import org.e3spark.graph.BatchBudget;
import org.e3spark.graph.EdgeList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model-independent steps of a partition, shared by every model's partition function
 * ({@link FeaturizePartition}, {@link MacePartition}): the <b>reader</b> ({@link #read}: rows →
 * structures, each prepared by the model: its checks, its host graph if any), the <b>batcher</b>
 * ({@link #cut}: consecutive structures within the batch budget) and the <b>emitter</b>
 * ({@link #emit}, {@link #rejected}: output rows of pass-through columns, the model's result
 * values, the error column). A row that is no valid structure, or that the model refuses, is failed
 * (onError=fail) or becomes an error row with its reason (skip). One per task.
 */
final class PartitionRows {

    private static final Logger LOG = LoggerFactory.getLogger(PartitionRows.class);

    /** A row and its structure; {@code edges} is the host graph where the model wants one, else null. */
    record Item(Row row, Structure structure, EdgeList edges) {
    }

    private final StructureColumns columns;
    private final int inputWidth;
    private final int resultWidth;
    private final boolean skipErrors;
    private final FeaturizeMetrics metrics;
    private final int partition;
    private final ArrayDeque<Row> ready = new ArrayDeque<>();
    private long skipped;

    /** {@code resultWidth}: how many result columns the model writes between pass-through and error. */
    PartitionRows(StructureColumns columns, int inputWidth, int resultWidth, boolean skipErrors, FeaturizeMetrics metrics,
                  int partition) {
        this.columns = columns;
        this.inputWidth = inputWidth;
        this.resultWidth = resultWidth;
        this.skipErrors = skipErrors;
        this.metrics = metrics;
        this.partition = partition;
    }

    // ------------------------------------------------------------------ reader

    /**
     * Up to {@code maxRows} rows or {@code maxNodes} atoms of the input as items; {@code prepare} runs
     * the model's checks and returns the host graph (or null). Any failure of one row's own work is that
     * row's error: under skip a bad row must never abort the job.
     */
    List<Item> read(Iterator<Row> input, int maxRows, long maxNodes, Function<Structure, EdgeList> prepare) {
        List<Item> items = new ArrayList<>();
        long nodes = 0;
        while (input.hasNext() && items.size() < maxRows && nodes < maxNodes) {
            Row row = input.next();
            try {
                Structure s = columns.toStructure(row);
                items.add(new Item(row, s, prepare.apply(s)));
                nodes += s.atomCount();
            } catch (RuntimeException e) {
                rejected(row, e);
            }
        }
        return items;
    }

    // ----------------------------------------------------------------- batcher

    /** Consecutive items in batches within the budget (a structure larger than it goes alone). */
    static List<List<Item>> cut(List<Item> items, BatchBudget budget) {
        List<List<Item>> out = new ArrayList<>();
        int from = 0;
        while (from < items.size()) {
            int to = from;
            long n = 0;
            long e = 0;
            while (to < items.size()) {
                Item it = items.get(to);
                long n2 = n + it.structure().atomCount();
                long e2 = e + (it.edges() == null ? 0 : it.edges().edgeCount());
                if (to > from && !budget.fits(n2, e2, 0)) {
                    break;
                }
                n = n2;
                e = e2;
                to++;
            }
            out.add(List.copyOf(items.subList(from, to)));
            from = to;
        }
        return out;
    }

    static List<Structure> structuresOf(List<Item> batch) {
        List<Structure> ss = new ArrayList<>(batch.size());
        for (Item it : batch) {
            ss.add(it.structure());
        }
        return ss;
    }

    // ----------------------------------------------------------------- emitter

    /** An output row: the pass-through columns in input order, the model's {@code values}, no error. */
    void emit(Row in, Object... values) {
        if (values.length != resultWidth) {
            throw new IllegalStateException(values.length + " result values for " + resultWidth + " result columns");
        }
        ready.add(row(in, values, null));
    }

    /** A row that failed: the job fails (onError=fail), or an error row with the reason (skip). */
    void rejected(Row row, RuntimeException e) {
        Long id = idOrNull(row);
        if (!skipErrors) {
            throw new BadStructureRowException("row with " + columns.idName() + " " + id + " (partition " + partition
                    + ") is not a valid structure: " + e.getMessage()
                    + ". Set spark.e3spark.onError=skip to write such rows to the errors output instead.", e);
        }
        skipped++;
        metrics.skippedRows().add(1);
        if (skipped <= 3) {
            LOG.warn("e3spark: partition {}: skipping row with {} {}: {}", partition, columns.idName(), id, e.getMessage());
        }
        String reason = e instanceof IllegalArgumentException && e.getMessage() != null ? e.getMessage() : e.toString();
        ready.add(row(row, new Object[resultWidth],
                id == null || reason.contains("structure " + id) ? reason : "structure " + id + ": " + reason));
    }

    /** Rows made and not yet handed to Spark. */
    ArrayDeque<Row> ready() {
        return ready;
    }

    long skipped() {
        return skipped;
    }

    private Row row(Row in, Object[] values, String error) {
        List<Object> out = new ArrayList<>(inputWidth + values.length + 1);
        for (int i = 0; i < inputWidth; i++) {
            if (!columns.isGeometry(i)) {
                out.add(in.get(i));
            }
        }
        java.util.Collections.addAll(out, values);
        out.add(error);
        return RowFactory.create(out.toArray());
    }

    /** The row's id, or null where even the id cannot be read. */
    private Long idOrNull(Row row) {
        try {
            return columns.idOf(row);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * {@code earlier} if set, else the first value of {@code values[from, from+count)} that is not
     * finite in float32 (the output type: a finite double beyond the float range would be written as
     * Infinity), as "name[i] = v".
     */
    static String nonFinite(String name, double[] values, int from, int count, String earlier) {
        if (earlier != null || values == null) {
            return earlier;
        }
        for (int i = 0; i < count; i++) {
            if (!(Math.abs(values[from + i]) <= Float.MAX_VALUE)) {
                return name + "[" + i + "] = " + values[from + i];
            }
        }
        return null;
    }
}
