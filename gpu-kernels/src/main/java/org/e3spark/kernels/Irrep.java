package org.e3spark.kernels;

/**
 * An irreducible representation of O(3): degree {@code l} and parity {@code p} (+1 even, -1 odd).
 * Written as e3nn writes it: {@code "0e"}, {@code "1o"}, {@code "2e"}; the suffix {@code y} means
 * the natural parity {@code (-1)^l}. Matches {@code e3nn.o3.Irrep}.
 */
public record Irrep(int l, int parity) implements Comparable<Irrep> {

    /** The largest degree any part of the library accepts (spherical harmonics and CG go to 12). */
    public static final int MAX_L = 64;

    public Irrep {
        if (l < 0 || l > MAX_L) {
            throw new IllegalArgumentException("irrep degree l must be in 0.." + MAX_L + ", got " + l);
        }
        if (parity != 1 && parity != -1) {
            throw new IllegalArgumentException("irrep parity must be +1 or -1, got " + parity);
        }
    }

    public static Irrep of(int l, int parity) {
        return new Irrep(l, parity);
    }

    /** Parses {@code "1o"}, {@code "2e"}, {@code "3y"}. */
    public static Irrep parse(String text) {
        String s = text.strip();
        if (s.length() < 2) {
            throw new IllegalArgumentException("irrep '" + text + "' must be a degree followed by e, o or y");
        }
        char p = s.charAt(s.length() - 1);
        int l;
        try {
            l = Integer.parseInt(s.substring(0, s.length() - 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("irrep '" + text + "' has no integer degree before its parity letter");
        }
        int parity = switch (p) {
            case 'e' -> 1;
            case 'o' -> -1;
            case 'y' -> (l % 2 == 0) ? 1 : -1;
            default -> throw new IllegalArgumentException(
                    "irrep '" + text + "' must end in e (even), o (odd) or y (natural parity), not '" + p + "'");
        };
        return new Irrep(l, parity);
    }

    /** 2l + 1. */
    public int dim() {
        return 2 * l + 1;
    }

    /** True when the product rule can couple {@code a x b} into this irrep (triangle rule and parity). */
    public boolean isInProductOf(Irrep a, Irrep b) {
        return Math.abs(a.l - b.l) <= l && l <= a.l + b.l && parity == a.parity * b.parity;
    }

    @Override
    public String toString() {
        return l + (parity == 1 ? "e" : "o");
    }

    /** e3nn's order: by degree, then odd before even, as its (l, p) tuple comparison. */
    @Override
    public int compareTo(Irrep o) {
        if (l != o.l) {
            return Integer.compare(l, o.l);
        }
        // e3nn compares irreps as (l, p) tuples, so odd (-1) sorts before even (+1).
        return Integer.compare(parity, o.parity);
    }
}
