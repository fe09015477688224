package org.e3spark.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.e3spark.data.SampleStructures;
import org.e3spark.data.Structure;
import org.e3spark.kernels.testing.Tolerance;
import org.junit.jupiter.api.Test;

class GraphBatcherTest {

    private static final RadiusGraph GRAPH = new RadiusGraph(4.0);

    @Test
    void packsInOrderWithinTheBudgetAndUnpacks() {
        List<Structure> input = SampleStructures.bundled();
        EdgeFeatures ef = EdgeFeatures.mace(2, 4.0);
        for (BatchBudget budget : List.of(BatchBudget.nodes(1), BatchBudget.nodes(13), BatchBudget.nodes(207),
                BatchBudget.edges(3), BatchBudget.edges(4097), BatchBudget.bytes(300_000), new BatchBudget(100, 5000, 0))) {
            GraphBatcher batcher = new GraphBatcher(GRAPH, budget, ef);
            Iterator<GraphBatch> it = batcher.batches(input.iterator());
            int next = 0;
            long oversized = 0;
            while (it.hasNext()) {
                GraphBatch b = it.next();
                if (!budget.fits(b.nodeCount(), b.edgeCount(), b.bytes())) {
                    assertEquals(1, b.structureCount(), "only a lone oversized structure may break the budget " + budget);
                    oversized++;
                }
                for (int s = 0; s < b.structureCount(); s++) {
                    Structure st = input.get(next++);
                    assertEquals(st.id(), b.structureId(s));
                    checkStructure(b, s, st, GRAPH.build(st), ef);
                }
                double[] perNode = new double[2 * b.nodeCount()];
                for (int i = 0; i < perNode.length; i++) {
                    perNode[i] = i * 0.5;
                }
                double[][] parts = b.unpackNodes(perNode, 2);
                double[] pooled = b.sumNodes(perNode, 2);
                for (int s = 0; s < b.structureCount(); s++) {
                    assertEquals(2 * (b.nodeOffset(s + 1) - b.nodeOffset(s)), parts[s].length);
                    double sum0 = 0;
                    for (int i = 0; i < parts[s].length; i += 2) {
                        sum0 += parts[s][i];
                    }
                    assertEquals(sum0, pooled[2 * s], 1e-9);
                }
            }
            assertEquals(input.size(), next, "every structure packed once, in order: " + budget);
            assertEquals(oversized, batcher.oversized());
            assertEquals(input.size(), batcher.structuresPacked());
        }
    }

    private static void checkStructure(GraphBatch b, int s, Structure st, EdgeList g, EdgeFeatures ef) {
        int no = b.nodeOffset(s);
        int eo = b.edgeOffset(s);
        for (int i = 0; i < st.atomCount(); i++) {
            assertEquals(st.number(i), b.numberBuffer().get(no + i));
            assertEquals(s, b.structureIndex(no + i));
            assertEquals(st.position(i, 2), b.positionBuffer().get(3 * (no + i) + 2), 0.0);
        }
        EdgeFeatures.Values f = ef.compute(g);
        int d = ef.shDim();
        for (int e = 0; e < g.edgeCount(); e++) {
            assertEquals(g.receiver(e) + no, b.receiverBuffer().get(eo + e));
            assertEquals(g.sender(e) + no, b.senderBuffer().get(eo + e));
            assertEquals(g.shift(e, 1), b.shiftBuffer().get(3 * (eo + e) + 1));
            assertEquals(g.length(e), b.lengthBuffer().get(eo + e), 0.0);
            for (int k = 0; k < d; k++) {
                assertEquals(f.sh()[e * d + k], b.features().sh()[(eo + e) * d + k], 0.0);
            }
        }
    }

    @Test
    void oversizedStructuresGetABatchOfTheirOwn() {
        List<Structure> input = SampleStructures.bundled();
        GraphBatcher batcher = new GraphBatcher(GRAPH, BatchBudget.nodes(50), null);
        List<GraphBatch> batches = new ArrayList<>();
        batcher.batches(input.iterator()).forEachRemaining(batches::add);
        assertEquals(3, batcher.oversized(), "two water boxes and the diamond exceed 50 nodes");
        assertEquals(batches.size(), batcher.batchesBuilt());
        assertTrue(batches.stream().allMatch(b -> b.features() == null));
    }

    @Test
    void unpackChecksShapesAndEdgesSplitBack() {
        List<Structure> two = SampleStructures.bundled().subList(3, 5);
        GraphBatch b = GraphBatch.pack(two, two.stream().map(GRAPH::build).toList(), null);
        assertThrows(IllegalArgumentException.class, () -> b.unpackNodes(new double[b.nodeCount() + 1], 1));
        double[] perEdge = new double[b.edgeCount()];
        b.lengthBuffer().get(perEdge);
        double[][] split = b.unpackEdges(perEdge, 1);
        Tolerance.assertClose(GRAPH.build(two.get(1)).lengths(), split[1], 0, "edges of the second structure");
        assertArrayEquals(new int[] {0, 1, 5}, new int[] {b.nodeOffset(0), b.nodeOffset(1), b.nodeOffsetBuffer().get(2)});
        assertThrows(IllegalArgumentException.class, () -> GraphBatch.pack(two, List.of(GRAPH.build(two.get(0))), null));
        assertThrows(IllegalArgumentException.class, () -> new BatchBudget(0, 0, 0));
    }
}
