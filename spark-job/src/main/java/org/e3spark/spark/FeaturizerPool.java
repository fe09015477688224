package org.e3spark.spark;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.e3spark.kernels.DType;
import org.e3spark.model.ComputeTarget;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Featurizers (NequIP {@code Featurizer}s, {@code MacePotential}s) an executor keeps open between its tasks. Creating one loads the model's kernels and
 * allocates its buffers (device workspaces, pinned staging memory): about 0.3 s on the H100, which a
 task of a few hundred structures would otherwise pay every time. A task borrows one for a lease (a
 * chunk of batches) and gives it back when the work ran through; one whose work failed is closed
 * instead, because a pipeline stopped halfway leaves its state unknown.
 *
 * <p>The pool never holds more than the executor's peak of concurrent leases per key (on a GPU, its
 * GPU slots). Idle featurizers
 * of keys that no task asked for recently (another model, dtype or device) are closed, so an
 * application that switches models does not keep the old one's device memory.
 */
final class FeaturizerPool<T extends AutoCloseable> {

    /** What makes two featurizers interchangeable. */
    record Key(String fingerprint, ComputeTarget target, DType dtype) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(FeaturizerPool.class);

    private final int keysKept;
    private final LinkedHashMap<Key, ArrayDeque<T>> idle = new LinkedHashMap<>(8, 0.75f, true); // by last use
    private long created;
    private long reused;

    FeaturizerPool(int keysKept) {
        if (keysKept < 1) {
            throw new IllegalArgumentException("a pool keeps at least one key, got " + keysKept);
        }
        this.keysKept = keysKept;
    }

    /** An idle featurizer of this key, else a new one from {@code create} (made outside the pool's lock). */
    T borrow(Key key, Supplier<T> create) {
        List<T> evicted;
        synchronized (this) {
            ArrayDeque<T> q = idle.computeIfAbsent(key, k -> new ArrayDeque<>());
            T f = q.pollFirst();
            evicted = evictStaleKeys();
            if (f != null) {
                reused++;
                closeAll(evicted);
                return f;
            }
            created++;
        }
        closeAll(evicted);
        return create.get();
    }

    /** Returns a featurizer after a task that ended cleanly; it must not have an open pipeline. */
    void giveBack(Key key, T f) {
        List<T> evicted;
        synchronized (this) {
            idle.computeIfAbsent(key, k -> new ArrayDeque<>()).addFirst(f); // most recently used first: warm caches
            evicted = evictStaleKeys();
        }
        closeAll(evicted);
    }

    /** How many featurizers tasks created and how many borrows found one idle. */
    synchronized long[] counts() {
        return new long[] {created, reused};
    }

    /** The keys with idle featurizers, least recently used first (tests). */
    synchronized List<Key> idleKeys() {
        return List.copyOf(idle.keySet());
    }

    /** Closes every idle featurizer (executor shutdown, tests). */
    void clear() {
        List<T> all = new ArrayList<>();
        synchronized (this) {
            idle.values().forEach(all::addAll);
            idle.clear();
        }
        closeAll(all);
    }

    /**
     * Closes the idle instances of all but the {@code keysKept} most recently used models (a model:
     * fingerprint and dtype). The devices of one model count once, so an executor (or a local-mode
     * JVM) spreading a model over several GPUs keeps a pool per device.
     */
    private List<T> evictStaleKeys() {
        List<Key> byRecency = new ArrayList<>(idle.keySet()); // least recently used first
        java.util.Set<List<Object>> kept = new java.util.HashSet<>();
        for (int i = byRecency.size() - 1; i >= 0 && kept.size() < keysKept; i--) {
            kept.add(List.of(byRecency.get(i).fingerprint(), byRecency.get(i).dtype()));
        }
        List<T> out = new ArrayList<>();
        Iterator<Map.Entry<Key, ArrayDeque<T>>> it = idle.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Key, ArrayDeque<T>> e = it.next();
            if (!kept.contains(List.of(e.getKey().fingerprint(), e.getKey().dtype()))) {
                out.addAll(e.getValue());
                it.remove();
            }
        }
        return out;
    }

    private static <T extends AutoCloseable> void closeAll(List<T> fs) {
        for (T f : fs) {
            try {
                f.close();
            } catch (Exception e) {
                LOG.warn("e3spark: closing an idle featurizer failed: {}", e.toString());
            }
        }
    }
}
