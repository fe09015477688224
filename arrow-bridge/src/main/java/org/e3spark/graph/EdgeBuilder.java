package org.e3spark.graph;

import java.util.Arrays;

/** Growable edge arrays, appended in final order. */
final class EdgeBuilder {

    private int size;
    private int[] receivers;
    private int[] senders;
    private int[] shifts;
    private double[] vectors;
    private double[] lengths;

    EdgeBuilder(int capacity) {
        receivers = new int[capacity];
        senders = new int[capacity];
        shifts = new int[3 * capacity];
        vectors = new double[3 * capacity];
        lengths = new double[capacity];
    }

    void add(int i, int j, int sa, int sb, int sc, double dx, double dy, double dz, double d) {
        if (size == receivers.length) {
            int cap = Math.max(16, size * 2);
            receivers = Arrays.copyOf(receivers, cap);
            senders = Arrays.copyOf(senders, cap);
            shifts = Arrays.copyOf(shifts, 3 * cap);
            vectors = Arrays.copyOf(vectors, 3 * cap);
            lengths = Arrays.copyOf(lengths, cap);
        }
        receivers[size] = i;
        senders[size] = j;
        shifts[3 * size] = sa;
        shifts[3 * size + 1] = sb;
        shifts[3 * size + 2] = sc;
        vectors[3 * size] = dx;
        vectors[3 * size + 1] = dy;
        vectors[3 * size + 2] = dz;
        lengths[size] = d;
        size++;
    }

    EdgeList build(long structureId, int nodes, double cutoff) {
        return new EdgeList(structureId, nodes, cutoff, Arrays.copyOf(receivers, size), Arrays.copyOf(senders, size),
                Arrays.copyOf(shifts, 3 * size), Arrays.copyOf(vectors, 3 * size), Arrays.copyOf(lengths, size));
    }
}
