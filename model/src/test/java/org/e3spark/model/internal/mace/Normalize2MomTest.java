package org.e3spark.model.internal.mace;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** e3nn's normalize2mom constant is reproduced from torch's own generator, not approximated. */
class Normalize2MomTest {

    @Test
    void theMersenneTwisterIsTheReferenceOne() {
        // std::mt19937(0)'s first outputs
        Normalize2Mom.MersenneTwister mt = new Normalize2Mom.MersenneTwister(0);
        assertEquals(2357136044L, mt.next() & 0xffffffffL);
        assertEquals(2546248239L, mt.next() & 0xffffffffL);
        assertEquals(3071714933L, mt.next() & 0xffffffffL);
    }

    /** The value e3nn prints for {@code normalize2mom(torch.nn.functional.silu).cst}; the goldens confirm it. */
    @Test
    void siluConstantIsE3nns() {
        assertEquals(1.6791767923989418, Normalize2Mom.SILU, 1e-15);
        // the exact Gaussian integral differs by ~1e-3: e3nn's is a million-sample estimate
        assertEquals(1.0, Normalize2Mom.SILU / org.e3spark.model.internal.Activations.SILU_NORM, 2e-3);
    }
}
