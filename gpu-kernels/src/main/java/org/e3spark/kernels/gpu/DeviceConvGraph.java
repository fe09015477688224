package org.e3spark.kernels.gpu;

import java.util.ArrayList;
import java.util.List;
import org.e3spark.kernels.ConvGraph;

/**
 * A {@link ConvGraph} prepared on one device for the fused convolution kernels: both sorted edge
 * orders and their work items, uploaded once and reused by every layer and call (forward uses the
 * receiver order, backward the sender order). Owns its device memory; {@link #close()} frees it
 * (closing twice is harmless; a closed graph cannot be used). Immutable once built, so one prepared
 * graph may serve several convolutions and streams at once.
 *
 * <p>A graph may also be built on the device itself ({@link #receiverSide}): a forward-only view of
 * arrays that device code wrote in this class's layout, with no host copy of the edges.
 */
public final class DeviceConvGraph implements AutoCloseable {

    /** One direction's arrays on the device (null buffers where empty); read by the backends' launches. */
    public record Side(DeviceBuffer items, int itemCount, DeviceBuffer perm, DeviceBuffer peer, DeviceBuffer groups,
                int groupCount, int slots) {
    }

    private final ConvGraph graph; // null when the edges were built on the device
    private final int numNodes;
    private final int numEdges;
    private final GpuDevice device;
    private final DeviceAllocator allocator; // null when the buffers are borrowed from a pool
    private final DeviceBufferPool pool;
    private final int chunk;
    private final Side receivers;
    private final Side senders;
    private volatile boolean closed;

    /**
     * The host half of an upload: the graph's sorted orders and the work items of both sides, for a
     * device with a given number of multiprocessors. Pure host work, safe on any thread, so it can be
     * prepared for the next batch while the device still runs the current one.
     */
    public static final class HostPlan {
        private final ConvGraph graph;
        private final int chunk;
        private final int multiprocessors;
        private final int[] inPerm;
        private final int[] inPeer;
        private final int[] outPerm;
        private final int[] outPeer;
        private final ConvWorkList receiverWork;
        private final ConvWorkList senderWork;

        private HostPlan(ConvGraph graph, int multiprocessors) {
            this.graph = graph;
            this.multiprocessors = multiprocessors;
            this.chunk = ConvWorkList.chunkFor(graph.numEdges(), multiprocessors);
            int m = graph.numEdges();
            inPerm = new int[m];
            inPeer = new int[m];
            outPerm = new int[m];
            outPeer = new int[m];
            for (int t = 0; t < m; t++) {
                inPerm[t] = graph.inEdge(t);
                inPeer[t] = graph.sender(inPerm[t]);
                outPerm[t] = graph.outEdge(t);
                outPeer[t] = graph.receiver(outPerm[t]);
            }
            receiverWork = ConvWorkList.build(graph.numNodes(), graph::inStart, ConvWorkList.RECEIVER_CHUNK);
            senderWork = ConvWorkList.build(graph.numNodes(), graph::outStart, chunk);
        }

        public ConvGraph graph() {
            return graph;
        }
    }

    /** Plans the upload of {@code graph} for a device of {@code multiprocessors} SMs (host work only). */
    public static HostPlan plan(ConvGraph graph, int multiprocessors) {
        if (graph == null || multiprocessors < 1) {
            throw new IllegalArgumentException("a graph and a positive multiprocessor count are needed");
        }
        return new HostPlan(graph, multiprocessors);
    }

    private DeviceConvGraph(HostPlan plan, GpuDevice device, DeviceBufferPool pool) {
        if (plan.multiprocessors != device.multiprocessorCount()) {
            throw new IllegalArgumentException("graph planned for " + plan.multiprocessors + " multiprocessors, device "
                    + device.ordinal() + " has " + device.multiprocessorCount());
        }
        this.graph = plan.graph;
        this.numNodes = graph.numNodes();
        this.numEdges = graph.numEdges();
        this.device = device;
        this.chunk = plan.chunk;
        this.pool = pool;
        this.allocator = pool == null ? device.newAllocator("conv-graph") : null;
        try {
            this.receivers = side("receivers", plan.receiverWork, plan.inPerm, plan.inPeer);
            this.senders = side("senders", plan.senderWork, plan.outPerm, plan.outPeer);
        } catch (RuntimeException e) {
            try {
                if (allocator != null) {
                    allocator.close(); // frees what was uploaded so far
                }
            } catch (RuntimeException leak) {
                e.addSuppressed(leak);
            }
            throw e;
        }
    }

    /** Uploads the graph's sorted orders and work items to {@code device}. */
    public static DeviceConvGraph upload(ConvGraph graph, GpuDevice device) {
        if (graph == null || device == null) {
            throw new IllegalArgumentException("graph and device must not be null");
        }
        return new DeviceConvGraph(plan(graph, device.multiprocessorCount()), device, null);
    }

    /**
     * Uploads into buffers borrowed from {@code pool} (which keeps them): for a stream of batches, no
     * device allocation once the pool has grown. Closing the result only marks it closed. The pool's
     * buffers are overwritten by the next upload: order that after every launch using this graph.
     */
    public static DeviceConvGraph upload(ConvGraph graph, GpuDevice device, DeviceBufferPool pool) {
        if (graph == null || device == null || pool == null) {
            throw new IllegalArgumentException("graph, device and pool must not be null");
        }
        return upload(plan(graph, device.multiprocessorCount()), device, pool);
    }

    /** {@link #upload(ConvGraph, GpuDevice, DeviceBufferPool)} of a graph planned ahead by {@link #plan}. */
    public static DeviceConvGraph upload(HostPlan plan, GpuDevice device, DeviceBufferPool pool) {
        if (plan == null || device == null || pool == null) {
            throw new IllegalArgumentException("plan, device and pool must not be null");
        }
        return new DeviceConvGraph(plan, device, pool);
    }

    private DeviceConvGraph(GpuDevice device, int numNodes, int numEdges, Side receivers) {
        this.graph = null;
        this.numNodes = numNodes;
        this.numEdges = numEdges;
        this.device = device;
        this.chunk = RECEIVER_CHUNK;
        this.pool = null;
        this.allocator = null;
        this.receivers = receivers;
        this.senders = null;
    }

    /** Edges per receiver work item: a node of more in-edges is cut into near-equal items. */
    public static final int RECEIVER_CHUNK = ConvWorkList.RECEIVER_CHUNK;

    /**
     * A forward-only graph whose receiver side device code built (e.g. a radius graph searched on
     * the GPU), in the layout {@link ConvWorkList} gives: edges in canonical order, {@code perm} the
     * identity over them, {@code peer[t]} the sender of edge t; {@code items} as
     * {@code (node, begin, end, slot)} with each node's run of in-edges cut into
     * {@code ceil(degree / RECEIVER_CHUNK)} near-equal items (the first {@code degree % k} one edge
     * longer), slots numbered over cut nodes in node order; {@code groups} as
     * {@code (node, firstSlot, count, 0)} per cut node in node order. Items may be listed in any
     * order (the order schedules, it does not sum). The buffers stay the caller's: closing the
     * result only marks it closed. Backward passes need the sender side and refuse this graph.
     */
    public static DeviceConvGraph receiverSide(GpuDevice device, int numNodes, int numEdges, DeviceBuffer items,
                                               int itemCount, DeviceBuffer perm, DeviceBuffer peer, DeviceBuffer groups,
                                               int groupCount, int slots) {
        if (device == null || numNodes < 0 || numEdges < 0 || itemCount < 0 || groupCount < 0 || slots < 0) {
            throw new IllegalArgumentException("a device and non-negative counts are needed (nodes " + numNodes
                    + ", edges " + numEdges + ", items " + itemCount + ", groups " + groupCount + ", slots " + slots + ")");
        }
        if (itemCount > 0 && (items == null || perm == null || peer == null)) {
            throw new IllegalArgumentException(itemCount + " work items but no items, perm or peer buffer");
        }
        if (groupCount > 0 && groups == null) {
            throw new IllegalArgumentException(groupCount + " reduction groups but no groups buffer");
        }
        return new DeviceConvGraph(device, numNodes, numEdges,
                new Side(items, itemCount, perm, peer, groups, groupCount, slots));
    }

    private Side side(String name, ConvWorkList work, int[] perm, int[] peer) {
        return new Side(ints(name + ".items", work.items()), work.itemCount(), ints(name + ".perm", perm),
                ints(name + ".peer", peer), ints(name + ".groups", work.groups()), work.groupCount(), work.slots());
    }

    private DeviceBuffer ints(String role, int[] host) {
        if (host.length == 0) {
            return null;
        }
        DeviceBuffer b = pool == null ? allocator.allocate(host.length * 4L) : pool.buffer("conv-graph." + role, host.length * 4L);
        if (b.device() != device) {
            throw new IllegalArgumentException("pool buffer for " + role + " lives on device " + b.device().ordinal()
                    + ", the graph on " + device.ordinal());
        }
        b.copyFrom(host);
        return b;
    }

    /** The host graph this was prepared from; null for a graph built on the device. */
    public ConvGraph graph() {
        return graph;
    }

    public GpuDevice device() {
        return device;
    }

    public int numNodes() {
        return numNodes;
    }

    public int numEdges() {
        return numEdges;
    }

    /** Edges per work item of the sender side (backward) at most; receiver items hold up to 64. */
    public int chunk() {
        return chunk;
    }

    public boolean isClosed() {
        return closed;
    }

    public Side receivers() {
        requireOpen();
        return receivers;
    }

    public Side senders() {
        requireOpen();
        if (senders == null) {
            throw new IllegalStateException("this graph of " + numNodes + " nodes and " + numEdges + " edges was built on "
                    + "the device for forward passes only; backward passes need a graph uploaded from the host");
        }
        return senders;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("device graph of " + numNodes + " nodes and " + numEdges + " edges is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (pool != null || graph == null) {
            return; // the pool, or whoever built the graph on the device, owns the buffers
        }
        List<DeviceBuffer> all = new ArrayList<>();
        for (Side s : new Side[] {receivers, senders}) {
            for (DeviceBuffer b : new DeviceBuffer[] {s.items(), s.perm(), s.peer(), s.groups()}) {
                if (b != null) {
                    all.add(b);
                }
            }
        }
        try {
            all.forEach(DeviceBuffer::close);
        } finally {
            allocator.close();
        }
    }
}
