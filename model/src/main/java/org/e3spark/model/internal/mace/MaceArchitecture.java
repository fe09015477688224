package org.e3spark.model.internal.mace;

import java.util.ArrayList;
import java.util.List;
import org.e3spark.kernels.Irrep;
import org.e3spark.kernels.Irreps;
import org.e3spark.kernels.MulIr;

/**
 * The irreps of every block of a ScaleShiftMACE, derived from its config exactly as
 * {@code MACE.__init__} derives them: the first block reads the F scalars of the embedding and
 * convolves into {@code (sh * F).sort().simplify()}; later blocks read the hidden irreps and
 * convolve into the same with both parities of every l when the hidden irreps hold an odd scalar;
 * the last product (and its block's self connection) keeps only the scalars; readouts are linear
 * except the last, which is the gated MLP (a single-layer model has only the linear one).
 */
record MaceArchitecture(Irreps shIrreps, List<Layer> layers) {

    /** One interaction + product + readout. */
    record Layer(int index, boolean residual, Irreps nodeIrreps, Irreps target, Irreps hiddenOut, int correlation,
                 boolean nonLinearReadout) {
    }

    static MaceArchitecture of(MaceConfig c) {
        Irreps hidden = c.hiddenIrreps();
        int f = c.channels();
        Irreps sh = spherical(c.maxEll(), false);
        boolean oddScalars = false;
        for (MulIr b : hidden.blocks()) {
            oddScalars |= b.irrep().equals(Irrep.of(0, -1));
        }
        Irreps first = times(sh, f);
        Irreps later = times(oddScalars ? spherical(c.maxEll(), true) : sh, f);
        Irreps scalars = Irreps.of(hidden.get(0));
        int n = c.numInteractions();
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            boolean last = i == n - 1;
            Irreps out = last ? scalars : hidden;
            if (i == 0) {
                layers.add(new Layer(0, c.residualFirst(), Irreps.of(new MulIr(f, Irrep.of(0, 1))), first, out,
                        c.correlation()[0], n > 1 && last));
            } else {
                layers.add(new Layer(i, true, hidden, later, out, c.correlation()[i], last));
            }
        }
        return new MaceArchitecture(sh, List.copyOf(layers));
    }

    /** e3nn's {@code Irreps.spherical_harmonics(lmax)} (parity (-1)^l), or every l with both parities. */
    private static Irreps spherical(int lmax, boolean bothParities) {
        List<MulIr> blocks = new ArrayList<>();
        for (int l = 0; l <= lmax; l++) {
            if (bothParities) {
                blocks.add(new MulIr(1, Irrep.of(l, 1)));
                blocks.add(new MulIr(1, Irrep.of(l, -1)));
            } else {
                blocks.add(new MulIr(1, Irrep.of(l, l % 2 == 0 ? 1 : -1)));
            }
        }
        return Irreps.of(blocks);
    }

    private static Irreps times(Irreps irreps, int mul) {
        List<MulIr> blocks = new ArrayList<>();
        for (MulIr b : irreps.blocks()) {
            blocks.add(new MulIr(b.mul() * mul, b.irrep()));
        }
        return Irreps.of(blocks).sorted().simplify();
    }
}
