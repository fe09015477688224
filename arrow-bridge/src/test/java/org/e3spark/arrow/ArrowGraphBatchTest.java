package org.e3spark.arrow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.e3spark.data.SampleDataset;
import org.e3spark.data.Structure;
import org.e3spark.graph.EdgeFeatures;
import org.e3spark.graph.GraphBatch;
import org.e3spark.graph.RadiusGraph;
import org.junit.jupiter.api.Test;

class ArrowGraphBatchTest extends ArrowTestBase {

    private static GraphBatch batch(boolean features) {
        List<Structure> s = SampleDataset.load();
        RadiusGraph g = new RadiusGraph(4.0);
        return GraphBatch.pack(s, s.stream().map(g::build).toList(), features ? EdgeFeatures.mace(2, 4.0) : null);
    }

    @Test
    void segmentsAreZeroCopyViewsOfTheBatch() {
        GraphBatch b = batch(true);
        try (ArrowGraphBatch a = ArrowGraphBatch.allocate(allocator, b)) {
            assertTrue(allocator.getAllocatedMemory() > 0);
            MemorySegment recv = a.segment(ArrowGraphBatch.Column.RECEIVERS);
            assertEquals(4L * b.edgeCount(), recv.byteSize());
            assertTrue(recv.isNative());
            for (int e = 0; e < b.edgeCount(); e += 7) {
                assertEquals(b.receiverBuffer().get(e), recv.getAtIndex(ValueLayout.JAVA_INT, e));
            }
            MemorySegment pos = a.segment(ArrowGraphBatch.Column.POSITIONS);
            for (int k = 0; k < 3 * b.nodeCount(); k++) {
                assertEquals(b.positionBuffer().get(k), pos.getAtIndex(ValueLayout.JAVA_DOUBLE, k), 0.0);
            }
            MemorySegment sh = a.segment(ArrowGraphBatch.Column.SH);
            assertEquals(b.features().sh()[123], sh.getAtIndex(ValueLayout.JAVA_DOUBLE, 123), 0.0);
            MemorySegment ids = a.segment(ArrowGraphBatch.Column.STRUCTURE_IDS);
            assertEquals(b.structureId(8), ids.getAtIndex(ValueLayout.JAVA_LONG, 8));
            // A view shares memory: a write through it is seen by the vector.
            Float8Vector lengths = (Float8Vector) a.vector(ArrowGraphBatch.Column.LENGTHS);
            a.segment(ArrowGraphBatch.Column.LENGTHS).setAtIndex(ValueLayout.JAVA_DOUBLE, 0, 42.0);
            assertEquals(42.0, lengths.get(0), 0.0);
            assertEquals(b.edgeCount(), lengths.getValueCount());
            assertEquals(0, lengths.getNullCount());
        }
        assertEquals(0, allocator.getAllocatedMemory(), "close frees every column");
    }

    @Test
    void loadReusesTheColumnsForTheNextBatch() {
        GraphBatch big = batch(true);
        List<Structure> two = SampleDataset.load().subList(6, 8);
        RadiusGraph g = new RadiusGraph(4.0);
        GraphBatch small = GraphBatch.pack(two, two.stream().map(g::build).toList(), null);
        try (ArrowGraphBatch a = ArrowGraphBatch.allocate(allocator, big)) {
            long bytes = a.allocatedBytes();
            a.load(small);
            assertTrue(a.allocatedBytes() < bytes, "feature columns are released");
            assertEquals(small.edgeCount(), a.edgeCount());
            assertEquals(small.edgeCount(), a.vector(ArrowGraphBatch.Column.SENDERS).getValueCount());
            assertEquals(small.senderBuffer().get(5), a.segment(ArrowGraphBatch.Column.SENDERS).getAtIndex(ValueLayout.JAVA_INT, 5));
            assertTrue(!a.has(ArrowGraphBatch.Column.SH));
            a.load(big);
            long again = a.allocatedBytes();
            a.load(big);
            assertEquals(again, a.allocatedBytes(), "same-size reload allocates nothing");
            assertEquals(big.features().radial()[77], a.segment(ArrowGraphBatch.Column.RADIAL).getAtIndex(ValueLayout.JAVA_DOUBLE, 77), 0.0);
        }
    }

    @Test
    void closedBatchesRefuseUseAndCloseTwiceHarmlessly() {
        ArrowGraphBatch a = ArrowGraphBatch.allocate(allocator, batch(false));
        assertThrows(IllegalArgumentException.class, () -> a.vector(ArrowGraphBatch.Column.SH));
        a.close();
        a.close();
        assertThrows(IllegalStateException.class, () -> a.segment(ArrowGraphBatch.Column.NUMBERS));
    }

    @Test
    void resultsGoOutPerAtomAndPerStructure() {
        GraphBatch b = batch(false);
        double[] forces = new double[3 * b.nodeCount()];
        for (int k = 0; k < forces.length; k++) {
            forces[k] = k;
        }
        double[] energy = new double[b.structureCount()];
        for (int k = 0; k < energy.length; k++) {
            energy[k] = -10.0 * k;
        }
        List<ResultColumn> cols = List.of(new ResultColumn("forces", ResultColumn.Scope.ATOM, 3, forces),
                new ResultColumn("energy", ResultColumn.Scope.STRUCTURE, 1, energy));
        try (VectorSchemaRoot root = ResultTables.allocate(allocator, b, cols)) {
            assertEquals(b.structureCount(), root.getRowCount());
            for (var v : root.getFieldVectors()) {
                assertEquals(0, v.getNullCount(), v.getName() + " has no nulls");
            }
            assertEquals(0, ((ListVector) root.getVector("forces")).getDataVector().getNullCount());
            ListVector f = (ListVector) root.getVector("forces");
            double[][] perStructure = b.unpackNodes(forces, 3);
            for (int s = 0; s < b.structureCount(); s++) {
                assertEquals(perStructure[s].length, f.getElementEndIndex(s) - f.getElementStartIndex(s));
                assertEquals(perStructure[s][2], ((Float8Vector) f.getDataVector()).get(f.getElementStartIndex(s) + 2), 0.0);
                // every value, through Arrow's own element reader and through the bulk reader
                List<?> viaArrow = f.getObject(s);
                for (int q = 0; q < perStructure[s].length; q++) {
                    assertEquals(perStructure[s][q], (Double) viaArrow.get(q), 0.0, "structure " + s + " value " + q);
                }
                assertArrayEquals(perStructure[s], ResultTables.rowValues(f, s));
                ListVector en = (ListVector) root.getVector("energy");
                assertEquals(energy[s], ((Float8Vector) en.getDataVector()).get(en.getElementStartIndex(s)), 0.0);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> ResultTables.allocate(allocator, b,
                List.of(new ResultColumn("forces", ResultColumn.Scope.ATOM, 3, new double[3]))));
        assertEquals(0, allocator.getAllocatedMemory(), "a failed allocate releases what it took");
    }
}
