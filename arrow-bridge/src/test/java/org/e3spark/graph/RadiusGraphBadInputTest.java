package org.e3spark.graph;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.e3spark.data.Cell;
import org.e3spark.data.Structure;
import org.junit.jupiter.api.Test;

/** Geometry that used to overflow int arithmetic in the search (issue 16, items 3 and 10). */
class RadiusGraphBadInputTest {

    private static Structure pairAt(double x, Cell cell) {
        return new Structure(7, new int[] {8, 1}, new double[] {x, 0, 0, x + 0.96, 0, 0}, cell);
    }

    @Test
    void atomsFarOutsideThePeriodicCellKeepTheirEdges() {
        Cell cell = Cell.orthorhombic(5, 5, 5);
        RadiusGraph g = new RadiusGraph(2.0);
        EdgeList near = g.build(pairAt(1.0, cell));
        // 1.2e10 Å is 2.4e9 cell vectors out: an int wrap saturated there and every edge was lost
        EdgeList far = g.build(pairAt(1.2e10, cell));
        assertTrue(near.edgeCount() > 0);
        assertEquals(near.edgeCount(), far.edgeCount(), "same pair, same edges, wherever the images lie");
        for (int e = 0; e < far.edgeCount(); e++) {
            assertEquals(near.length(e), far.length(e), 1e-5, "edge " + e);
        }
        // and the same on the GPU search's frame: accepted
        g.imageFrame(pairAt(1.2e10, cell));
    }

    @Test
    void atomsTooFarForTheirPositionToBePreciseAreRefusedNamingTheAtom() {
        Cell cell = Cell.orthorhombic(5, 5, 5);
        RadiusGraph g = new RadiusGraph(2.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.build(pairAt(1e20, cell)));
        assertTrue(e.getMessage().contains("structure 7: atom 0") && e.getMessage().contains("from the cell"),
                e.getMessage());
        IllegalArgumentException d = assertThrows(IllegalArgumentException.class, () -> g.imageFrame(pairAt(1e20, cell)));
        assertTrue(d.getMessage().contains("structure 7: atom 0"), d.getMessage());
    }

    @Test
    void aTinyCellVectorIsRefusedNotAnIndexOutOfBounds() {
        // 1e-12 Å along a: the image count overflowed int past the 511-image guard, then an AIOOBE
        Cell cell = Cell.periodic(new double[] {1e-12, 0, 0, 0, 5, 0, 0, 0, 5});
        Structure s = new Structure(9, new int[] {1, 1}, new double[] {0, 0, 0, 0, 0.7, 0}, cell);
        RadiusGraph g = new RadiusGraph(3.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> g.build(s));
        assertTrue(e.getMessage().contains("structure 9") && e.getMessage().contains("images"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> g.imageFrame(s));
    }
}
