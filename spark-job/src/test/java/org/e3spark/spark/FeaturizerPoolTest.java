package org.e3spark.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.function.Supplier;
import org.e3spark.data.SampleDataset;
import org.e3spark.data.Structure;
import org.e3spark.kernels.DType;
import org.e3spark.model.ComputeTarget;
import org.e3spark.model.Featurizer;
import org.e3spark.model.FeaturizerConfig;
import org.e3spark.model.FeaturizerModel;
import org.junit.jupiter.api.Test;

/** The executor's featurizer pool with CPU featurizers: reuse per key, eviction of stale keys, closing. */
class FeaturizerPoolTest {

    private static final FeaturizerModel MODEL = FeaturizerModel.seeded(FeaturizerConfig.bundled("featurizer-small"));
    private static final FeaturizerPool.Key F32 = new FeaturizerPool.Key(MODEL.fingerprint(), ComputeTarget.cpu(), DType.FLOAT32);
    private static final FeaturizerPool.Key F64 = new FeaturizerPool.Key(MODEL.fingerprint(), ComputeTarget.cpu(), DType.FLOAT64);

    private static Supplier<Featurizer> maker(FeaturizerPool.Key k) {
        return () -> Featurizer.create(MODEL, k.target(), k.dtype());
    }

    @Test
    void concurrentBorrowersGetTheirOwnAndReturnedOnesAreReused() {
        FeaturizerPool<Featurizer> pool = new FeaturizerPool<>(2);
        Featurizer a = pool.borrow(F32, maker(F32));
        Featurizer b = pool.borrow(F32, maker(F32));
        assertNotSame(a, b);
        pool.giveBack(F32, a);
        pool.giveBack(F32, b);
        assertSame(b, pool.borrow(F32, maker(F32)), "the most recently returned comes first");
        assertSame(a, pool.borrow(F32, maker(F32)));
        assertArrayEquals(new long[] {2, 2}, pool.counts());
        Featurizer c = pool.borrow(F64, maker(F64));
        assertSame(DType.FLOAT64, c.dtype(), "another key never gets an idle featurizer of the first");
        pool.clear();
        a.close();
        b.close();
        c.close();
    }

    @Test
    void aReusedFeaturizerGivesBitwiseTheSameFeatures() {
        FeaturizerPool<Featurizer> pool = new FeaturizerPool<>(1);
        List<Structure> sample = SampleDataset.load();
        Featurizer f = pool.borrow(F32, maker(F32));
        double[] first = f.featurize(sample, false).atomFeatures();
        pool.giveBack(F32, f);
        Featurizer again = pool.borrow(F32, maker(F32));
        assertSame(f, again);
        assertArrayEquals(first, again.featurize(sample, false).atomFeatures());
        again.close();
    }

    @Test
    void idleFeaturizersOfStaleKeysAreClosed() {
        FeaturizerPool<Featurizer> pool = new FeaturizerPool<>(1);
        Featurizer old = pool.borrow(F32, maker(F32));
        pool.giveBack(F32, old);
        Featurizer other = pool.borrow(F64, maker(F64));
        assertThrows(IllegalStateException.class, old::backend, "evicted when a second key came into use");
        pool.giveBack(F64, other);
        pool.clear();
        assertThrows(IllegalStateException.class, other::backend, "clear closes every idle featurizer");
        assertThrows(IllegalArgumentException.class, () -> new FeaturizerPool<Featurizer>(0));
    }
}
