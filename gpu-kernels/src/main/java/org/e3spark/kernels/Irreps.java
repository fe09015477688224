package org.e3spark.kernels;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * An ordered list of irreps blocks, e3nn's {@code Irreps}: {@code "32x0e + 16x1o + 8x2e"}.
 * Order matters and repeated irreps stay separate blocks; a block of multiplicity 0 is legal and
 * has dimension 0. {@link #toString()} writes the e3nn string, so parse and format round-trip.
 */
public final class Irreps {

    private final List<MulIr> blocks;
    private final int[] offsets; // offsets[k] = start of block k in a row; offsets[size] = dim

    private Irreps(List<MulIr> blocks) {
        this.blocks = List.copyOf(blocks);
        this.offsets = new int[this.blocks.size() + 1];
        for (int k = 0; k < this.blocks.size(); k++) {
            offsets[k + 1] = Math.addExact(offsets[k], this.blocks.get(k).dim());
        }
    }

    public static Irreps of(List<MulIr> blocks) {
        for (int k = 0; k < blocks.size(); k++) {
            if (blocks.get(k) == null) {
                throw new IllegalArgumentException("irreps block " + k + " is null");
            }
        }
        return new Irreps(blocks);
    }

    public static Irreps of(MulIr... blocks) {
        return of(List.of(blocks));
    }

    /** The empty irreps (dimension 0), written "" as in e3nn. */
    public static Irreps empty() {
        return new Irreps(List.of());
    }

    /**
     * Parses an e3nn irreps string. Terms are separated by '+', each {@code MULxIRREP} or just
     * {@code IRREP} (mul 1). An error names the term that could not be read and its position.
     */
    public static Irreps parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("irreps string must not be null");
        }
        if (text.isBlank()) {
            return empty();
        }
        List<MulIr> blocks = new ArrayList<>();
        String[] terms = text.split("\\+", -1);
        for (int t = 0; t < terms.length; t++) {
            String term = terms[t].strip();
            if (term.isEmpty()) {
                throw new IllegalArgumentException("irreps '" + text + "': term " + (t + 1) + " is empty");
            }
            try {
                int x = term.indexOf('x');
                if (x < 0) {
                    blocks.add(new MulIr(1, Irrep.parse(term)));
                } else {
                    String mulText = term.substring(0, x).strip();
                    int mul;
                    try {
                        mul = Integer.parseInt(mulText);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("multiplicity '" + mulText + "' is not an integer");
                    }
                    blocks.add(new MulIr(mul, Irrep.parse(term.substring(x + 1))));
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "irreps '" + text + "': cannot read term " + (t + 1) + " '" + term + "': " + e.getMessage(), e);
            }
        }
        return new Irreps(blocks);
    }

    public List<MulIr> blocks() {
        return blocks;
    }

    public int size() {
        return blocks.size();
    }

    public MulIr get(int k) {
        return blocks.get(k);
    }

    /** Total dimension: sum of mul * (2l + 1). */
    public int dim() {
        return offsets[blocks.size()];
    }

    /** Start of block k within a feature row (same in both layouts). */
    public int offset(int k) {
        return offsets[k];
    }

    /** Total number of channels: sum of mul. */
    public int numIrreps() {
        int n = 0;
        for (MulIr b : blocks) {
            n += b.mul();
        }
        return n;
    }

    public int lmax() {
        int l = -1;
        for (MulIr b : blocks) {
            l = Math.max(l, b.l());
        }
        if (l < 0) {
            throw new IllegalStateException("empty irreps have no lmax");
        }
        return l;
    }

    /**
     * Index within a row of channel u, component index c (= m + l) of block k.
     */
    public int index(Layout layout, int k, int u, int c) {
        MulIr b = blocks.get(k);
        return offsets[k] + u * layout.channelStride(b) + c * layout.componentStride(b);
    }

    /**
     * Copies {@code rows} feature rows from one layout to another ({@code src} and {@code dst} must
     * not alias). Converting MUL_IR to IR_MUL and back is the identity.
     */
    public void convertLayout(double[] src, Layout from, double[] dst, Layout to, int rows) {
        int dim = dim();
        checkRows("src", src.length, rows, dim);
        checkRows("dst", dst.length, rows, dim);
        for (int r = 0; r < rows; r++) {
            int base = r * dim;
            for (int k = 0; k < blocks.size(); k++) {
                MulIr b = blocks.get(k);
                for (int u = 0; u < b.mul(); u++) {
                    for (int c = 0; c < b.irrep().dim(); c++) {
                        dst[base + index(to, k, u, c)] = src[base + index(from, k, u, c)];
                    }
                }
            }
        }
    }

    /** As {@link #convertLayout(double[], Layout, double[], Layout, int)} for float rows. */
    public void convertLayout(float[] src, Layout from, float[] dst, Layout to, int rows) {
        int dim = dim();
        checkRows("src", src.length, rows, dim);
        checkRows("dst", dst.length, rows, dim);
        for (int r = 0; r < rows; r++) {
            int base = r * dim;
            for (int k = 0; k < blocks.size(); k++) {
                MulIr b = blocks.get(k);
                for (int u = 0; u < b.mul(); u++) {
                    for (int c = 0; c < b.irrep().dim(); c++) {
                        dst[base + index(to, k, u, c)] = src[base + index(from, k, u, c)];
                    }
                }
            }
        }
    }

    private void checkRows(String name, int length, int rows, int dim) {
        if ((long) rows * dim != length) {
            throw new IllegalArgumentException(name + " has " + length + " values; expected rows(" + rows
                    + ") x dim(" + dim + ") = " + (long) rows * dim + " for irreps " + this);
        }
    }

    /** e3nn's {@code Irreps.simplify()}: merges neighbouring blocks of the same irrep, drops mul 0. */
    public Irreps simplify() {
        List<MulIr> out = new ArrayList<>();
        for (MulIr b : blocks) {
            if (b.mul() == 0) {
                continue;
            }
            if (!out.isEmpty() && out.getLast().irrep().equals(b.irrep())) {
                MulIr last = out.removeLast();
                out.add(new MulIr(last.mul() + b.mul(), b.irrep()));
            } else {
                out.add(b);
            }
        }
        return new Irreps(out);
    }

    /** The blocks in e3nn's sorted order (stable), without merging. */
    public Irreps sorted() {
        List<MulIr> copy = new ArrayList<>(blocks);
        Collections.sort(copy, (a, b) -> a.irrep().compareTo(b.irrep()));
        return new Irreps(copy);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Irreps other && blocks.equals(other.blocks);
    }

    @Override
    public int hashCode() {
        return blocks.hashCode();
    }

    /** The e3nn string, e.g. {@code "32x0e+16x1o"} (e3nn writes no spaces). */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < blocks.size(); k++) {
            if (k > 0) {
                sb.append('+');
            }
            sb.append(blocks.get(k));
        }
        return sb.toString();
    }
}
