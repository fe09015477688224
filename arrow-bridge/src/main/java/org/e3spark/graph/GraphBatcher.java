package org.e3spark.graph;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.e3spark.data.Structure;

/**
 * Builds radius graphs of a stream of structures and packs them, in order, into
 * {@link GraphBatch}es within a {@link BatchBudget}. Streaming: holds one batch's structures at a
 * time. A structure that alone exceeds the budget forms a batch of its own and is counted
 * ({@link #oversized()}), never dropped. Not thread-safe; one per task.
 */
public final class GraphBatcher {

    private final RadiusGraph graph;
    private final BatchBudget budget;
    private final EdgeFeatures features;
    private long oversized;
    private long structures;
    private long batches;

    /** @param featuresOrNull per-edge features to compute per batch, or null for none */
    public GraphBatcher(RadiusGraph graph, BatchBudget budget, EdgeFeatures featuresOrNull) {
        if (graph == null || budget == null) {
            throw new IllegalArgumentException("a radius graph and a budget are required");
        }
        this.graph = graph;
        this.budget = budget;
        this.features = featuresOrNull;
    }

    /** Batches of the given structures, built lazily as the iterator is consumed. */
    public Iterator<GraphBatch> batches(Iterator<Structure> input) {
        int featureDoubles = features == null ? 0 : features.shDim() + features.radialDim();
        return new Iterator<>() {
            private Structure pending;
            private EdgeList pendingGraph;

            @Override
            public boolean hasNext() {
                return pending != null || input.hasNext();
            }

            @Override
            public GraphBatch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                List<Structure> ss = new ArrayList<>();
                List<EdgeList> gs = new ArrayList<>();
                long nodes = 0;
                long edges = 0;
                while (pending != null || input.hasNext()) {
                    if (pending == null) {
                        pending = input.next();
                        pendingGraph = graph.build(pending);
                    }
                    long n2 = nodes + pending.atomCount();
                    long e2 = edges + pendingGraph.edgeCount();
                    boolean fits = budget.fits(n2, e2, GraphBatch.bytesFor(n2, e2, ss.size() + 1L, featureDoubles));
                    if (!fits && !ss.isEmpty()) {
                        break;
                    }
                    if (!fits) {
                        oversized++;
                    }
                    ss.add(pending);
                    gs.add(pendingGraph);
                    nodes = n2;
                    edges = e2;
                    pending = null;
                    pendingGraph = null;
                    if (!fits) {
                        break;
                    }
                }
                structures += ss.size();
                batches++;
                return GraphBatch.pack(ss, gs, features);
            }
        };
    }

    /** Structures that exceeded the budget on their own (each got a batch of its own). */
    public long oversized() {
        return oversized;
    }

    public long structuresPacked() {
        return structures;
    }

    public long batchesBuilt() {
        return batches;
    }
}
