package org.e3spark.kernels.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.e3spark.kernels.ConvGraph;
import org.e3spark.kernels.testing.RandomGraphs;
import org.junit.jupiter.api.Test;

/** The work items of the CUDA convolution, checked on the CPU (no GPU needed). */
class ConvWorkListTest {

    @Test
    void itemsCutEveryNodesRunIntoNearEqualChunksWithOrderedSlots() {
        ConvGraph graph = RandomGraphs.awkward(new Random(4), 23, 400, 1001);
        for (int chunk : new int[] {1, 4, 7, 64, 5000}) {
            ConvWorkList work = ConvWorkList.build(graph.numNodes(), graph::inStart, chunk);
            int[] listed = work.items();
            for (int k = 1; k < work.itemCount(); k++) {
                assertTrue(listed[4 * k + 2] - listed[4 * k + 1] <= listed[4 * k - 2] - listed[4 * k - 3],
                        "largest items first");
            }
            int[] it = byBegin(listed);
            int next = 0;
            int slot = 0;
            int group = 0;
            for (int k = 0; k < work.itemCount(); k++) {
                int node = it[4 * k];
                int begin = it[4 * k + 1];
                int end = it[4 * k + 2];
                assertEquals(next, begin, "items are contiguous in sorted order");
                int size = end - begin;
                assertTrue(size >= 1 && size <= chunk, "item size " + size + " with chunk " + chunk);
                int degree = graph.inStart(node + 1) - graph.inStart(node);
                int pieces = (degree + chunk - 1) / chunk;
                assertTrue(Math.abs(size - degree / (double) pieces) < 1, "near-equal chunks");
                if (pieces == 1) {
                    assertEquals(-1, it[4 * k + 3]);
                } else {
                    assertEquals(slot++, it[4 * k + 3], "slots are consecutive in item order");
                    if (begin == graph.inStart(node)) {
                        assertArrayEquals(new int[] {node, it[4 * k + 3], pieces, 0},
                                java.util.Arrays.copyOfRange(work.groups(), 4 * group, 4 * group + 4));
                        group++;
                    }
                }
                next = end;
            }
            assertEquals(graph.numEdges(), next, "items cover every edge once, in order");
            assertEquals(slot, work.slots());
            assertEquals(group, work.groupCount());
        }
    }

    private static int[] byBegin(int[] items) {
        Integer[] order = new Integer[items.length / 4];
        for (int k = 0; k < order.length; k++) {
            order[k] = k;
        }
        java.util.Arrays.sort(order, (a, b) -> Integer.compare(items[4 * a + 1], items[4 * b + 1]));
        int[] sorted = new int[items.length];
        for (int k = 0; k < order.length; k++) {
            System.arraycopy(items, 4 * order[k], sorted, 4 * k, 4);
        }
        return sorted;
    }

    @Test
    void chunkSizeKeepsAboutAHundredItemsPerMultiprocessor() {
        assertEquals(4, ConvWorkList.chunkFor(0, 132));
        assertEquals(12, ConvWorkList.chunkFor(190_000, 132));
        assertEquals(64, ConvWorkList.chunkFor(100_000_000, 132));
    }
}
