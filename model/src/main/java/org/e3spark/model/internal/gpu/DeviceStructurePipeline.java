package org.e3spark.model.internal.gpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.e3spark.kernels.gpu.GpuEvent;
import org.e3spark.kernels.gpu.GpuStream;
import org.e3spark.kernels.gpu.DeviceBuffer;
import org.e3spark.kernels.gpu.DeviceConvGraph;
import org.e3spark.kernels.gpu.LaunchConfig;
import org.e3spark.kernels.gpu.PinnedHostBuffer;

/**
 * Batches of structures from atom positions to features on the device, with one batch always
 * queued ahead: what a {@link DeviceFeaturizer} runs when the host hands it positions rather than
 * graphs. Per batch the host packs atoms into pinned memory; the device copies them in, searches
 * the radius graph ({@link RadiusGraphKernels}: degrees, one scan, fill, which also writes the
 * convolution's work items), then runs the featurizer's kernels and copies the results out.
 *
 * <p>The only host wait before queuing a batch's kernels is for the scan's four totals (edge and
 * work-item counts size the edge buffers and the convolution's launch). It is placed so the device
 * never idles on the host: {@link #submit} runs batch k+1's copy-in, search and scan on a second
 * stream beside batch k's feature kernels, waits for the totals, queues batch k+1's remaining kernels
 * behind batch k's on the featurizer's stream, then waits for batch k's results and hands them to a
 * converter thread, which turns them into arrays while the device works and the caller prepares
 * batch k+2. Inputs, search results and outputs alternate between two slots (pinned host memory,
 * device buffers): a slot is refilled only after its batch finished and its results were read.
 *
 * <p>GPU time is taken with events: kernel time from the search's start to the scan's end plus
 * from the fill's start to the readout's end, copies on either side apart. The search may overlap
 * the previous batch's kernels, so their sum can exceed the time the device was busy; the feature
 * kernels alone (kernel minus search time) never do. Not thread-safe (one
 * per featurizer, on its stream).
 */
public final class DeviceStructurePipeline implements AutoCloseable {

    /** The host arrays of one batch (see {@link org.e3spark.model.StructureBatch}). */
    public record Atoms(int[] nodeOffsets, int[] speciesIndex, double[] positions, int[] structureOf, double[] frames,
                        long prepareNanos) {
        public Atoms {
            int s = nodeOffsets.length - 1;
            int n = speciesIndex.length;
            if (s < 1 || nodeOffsets[0] != 0 || nodeOffsets[s] != n || positions.length != 3 * n
                    || structureOf.length != n || frames.length != RadiusGraphKernels.FRAME * s) {
                throw new IllegalArgumentException("inconsistent batch arrays: " + s + " structures, " + n + " atoms");
            }
        }
    }

    /**
     * A batch whose kernels and copies have finished: the caller's tag and its outputs, which a
     * helper thread is turning into arrays ({@link #output()} waits for that).
     */
    public record Done(Object tag, Future<DeviceFeaturizer.Output> conversion) {

        public boolean isReady() {
            return conversion.isDone();
        }

        public DeviceFeaturizer.Output output() {
            try {
                return conversion.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for a batch's results", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException("converting a batch's results failed: " + e.getCause(), e.getCause());
            }
        }
    }

    private final DeviceFeaturizer featurizer;
    private final GpuStream stream;
    private final Workspace work;
    private final Slot[] slots;
    private final GpuStream search;
    private final GpuEvent origin; // the zero of the busy clock, re-recorded whenever the pipeline is empty
    private final BusyClock busy = new BusyClock();
    private final ExecutorService converter;
    private final AtomicLong conversionNanos = new AtomicLong();
    private Slot inFlight;
    private boolean closed;

    /** One of the two alternating batches: pinned input and result memory, and its events. */
    private final class Slot implements AutoCloseable {
        final int index;
        final PinnedHostBuffer totals;
        PinnedHostBuffer in;
        PinnedHostBuffer out;
        final GpuEvent copyIn;
        final GpuEvent searchStart;
        final GpuEvent scanned;
        final GpuEvent fillStart;
        final GpuEvent kernelsEnd;
        final GpuEvent copiedOut;
        Object tag;
        int atoms;
        int structures;
        int edges;
        long prepareNanos;
        Future<?> conversion; // reads `out` until done

        Slot(int index) {
            this.index = index;
            GpuEvent[] e = new GpuEvent[6];
            PinnedHostBuffer t = null;
            try {
                for (int k = 0; k < e.length; k++) {
                    e[k] = featurizer.device().createEvent();
                }
                t = featurizer.device().allocatePinned(RadiusGraphKernels.TOTALS * Integer.BYTES);
            } catch (RuntimeException ex) {
                for (GpuEvent c : e) {
                    if (c != null) {
                        c.close();
                    }
                }
                throw ex;
            }
            totals = t;
            copyIn = e[0];
            searchStart = e[1];
            scanned = e[2];
            fillStart = e[3];
            kernelsEnd = e[4];
            copiedOut = e[5];
        }

        MemorySegment input(long bytes) {
            in = grown(in, bytes);
            return in.segment();
        }

        MemorySegment output(long bytes) {
            awaitConversion();
            out = grown(out, bytes);
            return out.segment();
        }

        /** The last batch's results are read out of {@code out} on the converter thread: wait for that. */
        void awaitConversion() {
            Future<?> c = conversion;
            conversion = null;
            if (c != null) {
                try {
                    c.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while a batch's results were read", e);
                } catch (ExecutionException e) {
                    // reported to whoever takes that batch's output; the memory is free either way
                }
            }
        }

        /** This slot's own device buffer for a batch input (each slot's search runs while the other's features do). */
        DeviceBuffer ints(String role, long count) {
            return work.ints(role + "." + index, count);
        }

        DeviceBuffer bytes(String role, long bytes) {
            return work.buffer(role + "." + index, bytes);
        }

        /** A slot's memory is free once its last batch was collected, so it is replaced without a wait. */
        private PinnedHostBuffer grown(PinnedHostBuffer b, long bytes) {
            if (b != null && b.byteSize() >= bytes) {
                return b;
            }
            if (b != null) {
                b.close();
            }
            return featurizer.device().allocatePinned(Math.max(4096, bytes + bytes / 4));
        }

        @Override
        public void close() {
            try {
                awaitConversion();
            } catch (RuntimeException ignored) {
                // closing anyway
            }
            for (AutoCloseable c : new AutoCloseable[] {in, out, totals, copyIn, searchStart, scanned, fillStart,
                    kernelsEnd, copiedOut}) {
                if (c != null) {
                    try {
                        c.close();
                    } catch (Exception ignored) {
                        // best effort: the context goes with the device
                    }
                }
            }
        }
    }

    DeviceStructurePipeline(DeviceFeaturizer featurizer, GpuStream stream, Workspace work) {
        this.featurizer = featurizer;
        this.stream = stream;
        this.work = work;
        Slot a = null;
        Slot b = null;
        GpuStream searchStream = null;
        GpuEvent zero = null;
        try {
            a = new Slot(0);
            b = new Slot(1);
            searchStream = featurizer.device().createStream();
            zero = featurizer.device().createEvent();
            zero.record(stream);
            this.converter = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "e3spark-featurizer-results");
                t.setDaemon(true);
                return t;
            });
        } catch (RuntimeException ex) {
            for (AutoCloseable c : new AutoCloseable[] {a, b, searchStream, zero}) {
                if (c != null) {
                    try {
                        c.close();
                    } catch (Exception again) {
                        ex.addSuppressed(again);
                    }
                }
            }
            throw ex;
        }
        this.search = searchStream;
        this.origin = zero;
        this.slots = new Slot[] {a, b};
    }

    /**
     * Queues a batch and returns the one queued before it, finished (null for the first). The
     * returned outputs are in submission order; {@link #drain} collects the last.
     */
    public Done submit(Atoms batch, Object tag) {
        if (closed) {
            throw new IllegalStateException("device structure pipeline is closed");
        }
        Slot slot = inFlight == slots[0] ? slots[1] : slots[0];
        if (inFlight == null) {
            // nothing queued: restart the busy clock here. Event times are float milliseconds since the
            // origin (24-bit mantissa: 60 us steps after 1,000 s), and a pooled featurizer's pipeline
            // lives as long as its executor; each run of batches gets a fresh, near origin.
            origin.record(search);
            busy.restart();
        }
        try {
            enqueue(batch, slot);
        } catch (RuntimeException ex) {
            // nothing of this batch stays queued; the previous one is still there for drain()
            try {
                search.synchronize();
                stream.synchronize();
            } catch (RuntimeException again) {
                ex.addSuppressed(again);
            }
            throw ex;
        }
        slot.tag = tag;
        Slot previous = inFlight;
        inFlight = slot;
        return previous == null ? null : collect(previous);
    }

    /** Waits for the last queued batch and returns it (null when none is queued). */
    public Done drain() {
        Slot last = inFlight;
        inFlight = null;
        return last == null ? null : collect(last);
    }

    private void enqueue(Atoms batch, Slot slot) {
        long h0 = System.nanoTime();
        int n = batch.speciesIndex().length;
        int s = batch.nodeOffsets().length - 1;
        slot.atoms = n;
        slot.structures = s;
        slot.prepareNanos = batch.prepareNanos();

        // inputs: doubles first, then ints, one pinned region
        long posBytes = 24L * n;
        long frameBytes = 8L * batch.frames().length;
        long intBytes = 4L * n;
        long offsetBytes = 4L * (s + 1);
        MemorySegment in = slot.input(posBytes + frameBytes + 2 * intBytes + offsetBytes);
        long at = 0;
        MemorySegment pos = stage(in, at, batch.positions());
        at += posBytes;
        MemorySegment frames = stage(in, at, batch.frames());
        at += frameBytes;
        MemorySegment species = stage(in, at, batch.speciesIndex());
        at += intBytes;
        MemorySegment structureOf = stage(in, at, batch.structureOf());
        at += intBytes;
        MemorySegment offsets = stage(in, at, batch.nodeOffsets());

        // this slot's inputs and search results: the other slot's batch may still be in its feature kernels
        DeviceBuffer dPos = slot.bytes("atoms.positions", posBytes);
        DeviceBuffer dFrames = slot.bytes("atoms.frames", frameBytes);
        DeviceBuffer dSpecies = slot.ints("species", n);
        DeviceBuffer dStructure = slot.ints("atoms.structure", n);
        DeviceBuffer dOffsets = slot.ints("node_offsets", s + 1);
        DeviceBuffer degree = slot.ints("graph.degree", n);
        DeviceBuffer edgeStart = slot.ints("graph.edge_start", n + 1L);
        DeviceBuffer itemStart = slot.ints("graph.item_start", n);
        DeviceBuffer groupStart = slot.ints("graph.group_start", n);
        DeviceBuffer slotStart = slot.ints("graph.slot_start", n);
        DeviceBuffer dTotals = slot.ints("graph.totals", RadiusGraphKernels.TOTALS);

        // copy-in and search on the search stream, beside the previous batch's feature kernels
        slot.copyIn.record(search);
        dPos.copyFromAsync(pos, search);
        dFrames.copyFromAsync(frames, search);
        dSpecies.copyFromAsync(species, search);
        dStructure.copyFromAsync(structureOf, search);
        dOffsets.copyFromAsync(offsets, search);
        slot.searchStart.record(search);
        featurizer.launchOn(search, RadiusGraphKernels.DEGREE, n, dPos, dStructure, dOffsets, dFrames, degree, n);
        featurizer.function(RadiusGraphKernels.SCAN).launch(LaunchConfig.linear(1, RadiusGraphKernels.SCAN_BLOCK, 0),
                search, degree, edgeStart, itemStart, groupStart, slotStart, dTotals, n);
        dTotals.copyToAsync(slot.totals.segment(), search);
        slot.scanned.record(search);

        // the one wait: this batch's totals; the previous batch's features keep the device busy meanwhile.
        // Once the host has seen the event, work queued later on any stream sees the search's results.
        long w0 = System.nanoTime();
        slot.scanned.synchronize();
        long w1 = System.nanoTime();
        MemorySegment t = slot.totals.segment();
        int e = t.getAtIndex(ValueLayout.JAVA_INT, 0);
        int items = t.getAtIndex(ValueLayout.JAVA_INT, 1);
        int groups = t.getAtIndex(ValueLayout.JAVA_INT, 2);
        int partialSlots = t.getAtIndex(ValueLayout.JAVA_INT, 3);
        if (e < 0 || items < 0 || groups < 0 || partialSlots < 0) {
            throw new IllegalStateException("radius graph of " + s + " structures (" + n + " atoms) overflowed: "
                    + Integer.toUnsignedString(e) + " edges");
        }

        // the stream is idle here, so growing buffers costs no extra wait
        slot.edges = e;
        DeviceBuffer peer = work.ints("graph.peer", e);
        DeviceBuffer perm = work.ints("graph.perm", e);
        DeviceBuffer vectors = work.reals("vectors", 3L * e, featurizer.dtype());
        DeviceBuffer dItems = work.ints("graph.items", 4L * items);
        DeviceBuffer dGroups = work.ints("graph.groups", 4L * groups);
        slot.fillStart.record(stream);
        featurizer.launch(RadiusGraphKernels.FILL, n, dPos, dStructure, dOffsets, dFrames, degree, edgeStart, itemStart,
                groupStart, slotStart, peer, perm, vectors, dItems, dGroups, n);
        DeviceConvGraph graph = DeviceConvGraph.receiverSide(featurizer.device(), n, e, dItems, items, perm, peer,
                dGroups, groups, partialSlots);
        DeviceFeaturizer.Results r = featurizer.enqueueFeatures(dSpecies, dOffsets, vectors, graph, n, e, s);
        slot.kernelsEnd.record(stream);

        int width = featurizer.atomFeatureWidth();
        long atomCount = (long) n * width;
        long pooledCount = (long) s * 2 * width;
        int bytes = featurizer.dtype().bytes();
        MemorySegment out = slot.output((atomCount + pooledCount + s) * bytes);
        r.atom().copyToAsync(out.asSlice(0, atomCount * bytes), stream);
        r.pooled().copyToAsync(out.asSlice(atomCount * bytes, pooledCount * bytes), stream);
        r.energies().copyToAsync(out.asSlice((atomCount + pooledCount) * bytes, (long) s * bytes), stream);
        slot.copiedOut.record(stream);
        featurizer.accountHost(System.nanoTime() - w1 + w0 - h0, w1 - w0);
    }

    /**
     * The batch in {@code slot} has been queued to its end: wait for its copies, account its GPU
     * times here, and turn its results into arrays on the converter thread, so the submitting thread
     * goes back to queuing work.
     */
    private Done collect(Slot slot) {
        slot.copiedOut.synchronize();
        long searchNanos = nanos(slot.scanned, slot.searchStart);
        long kernels = searchNanos + nanos(slot.kernelsEnd, slot.fillStart);
        long upload = nanos(slot.searchStart, slot.copyIn);
        long download = nanos(slot.copiedOut, slot.kernelsEnd);
        featurizer.account(slot.prepareNanos, upload, kernels, download, slot.edges);
        featurizer.accountSearch(searchNanos);
        busy.add(nanos(slot.searchStart, origin), nanos(slot.scanned, origin));
        busy.add(nanos(slot.fillStart, origin), nanos(slot.kernelsEnd, origin));
        int width = featurizer.atomFeatureWidth();
        long atomCount = (long) slot.atoms * width;
        long pooledCount = (long) slot.structures * 2 * width;
        int structures = slot.structures;
        MemorySegment out = slot.out.segment();
        org.e3spark.kernels.DType dtype = featurizer.dtype();
        Future<DeviceFeaturizer.Output> conversion = converter.submit(() -> {
            long t0 = System.nanoTime();
            DeviceFeaturizer.Output o = new DeviceFeaturizer.Output(
                    DeviceFeaturizer.widen(out, 0, atomCount, dtype),
                    DeviceFeaturizer.widen(out, atomCount, pooledCount, dtype),
                    DeviceFeaturizer.widen(out, atomCount + pooledCount, structures, dtype));
            conversionNanos.addAndGet(System.nanoTime() - t0);
            return o;
        });
        slot.conversion = conversion;
        Object tag = slot.tag;
        slot.tag = null;
        return new Done(tag, conversion);
    }

    /** GPU time during which at least one of this pipeline's kernels ran (the union over both streams). */
    long busyNanos() {
        return busy.busyNanos();
    }

    /** Host time spent turning results into arrays, on the converter thread. */
    long conversionNanos() {
        return conversionNanos.get();
    }

    private static long nanos(GpuEvent end, GpuEvent start) {
        return Math.round(end.elapsedMillisSince(start) * 1e6);
    }

    private static MemorySegment stage(MemorySegment in, long at, double[] values) {
        MemorySegment dst = in.asSlice(at, 8L * values.length);
        MemorySegment.copy(values, 0, dst, ValueLayout.JAVA_DOUBLE, 0, values.length);
        return dst;
    }

    private static MemorySegment stage(MemorySegment in, long at, int[] values) {
        MemorySegment dst = in.asSlice(at, 4L * values.length);
        MemorySegment.copy(values, 0, dst, ValueLayout.JAVA_INT, 0, values.length);
        return dst;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        inFlight = null;
        try {
            search.synchronize();
            stream.synchronize(); // queued copies may still use the pinned slots
        } finally {
            for (Slot s : slots) {
                s.close(); // after its conversion is done
            }
            converter.shutdownNow();
            search.close();
            origin.close();
        }
    }
}
