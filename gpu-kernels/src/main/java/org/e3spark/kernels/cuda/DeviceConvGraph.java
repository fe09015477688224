package org.e3spark.kernels.cuda;

import java.util.ArrayList;
import java.util.List;
import org.e3spark.kernels.ConvGraph;

/**
 * A {@link ConvGraph} prepared on one device for the fused convolution kernels: both sorted edge
 * orders and their work items, uploaded once and reused by every layer and call (forward uses the
 * receiver order, backward the sender order). Owns its device memory; {@link #close()} frees it
 * (closing twice is harmless; a closed graph cannot be used). Immutable once built, so one prepared
 * graph may serve several convolutions and streams at once.
 */
public final class DeviceConvGraph implements AutoCloseable {

    /** One direction's arrays on the device (null buffers where empty). */
    record Side(DeviceBuffer items, int itemCount, DeviceBuffer perm, DeviceBuffer peer, DeviceBuffer groups,
                int groupCount, int slots) {
    }

    private final ConvGraph graph;
    private final CudaDevice device;
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

    private DeviceConvGraph(HostPlan plan, CudaDevice device, DeviceBufferPool pool) {
        if (plan.multiprocessors != device.multiprocessorCount()) {
            throw new IllegalArgumentException("graph planned for " + plan.multiprocessors + " multiprocessors, device "
                    + device.ordinal() + " has " + device.multiprocessorCount());
        }
        this.graph = plan.graph;
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
    public static DeviceConvGraph upload(ConvGraph graph, CudaDevice device) {
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
    public static DeviceConvGraph upload(ConvGraph graph, CudaDevice device, DeviceBufferPool pool) {
        if (graph == null || device == null || pool == null) {
            throw new IllegalArgumentException("graph, device and pool must not be null");
        }
        return upload(plan(graph, device.multiprocessorCount()), device, pool);
    }

    /** {@link #upload(ConvGraph, CudaDevice, DeviceBufferPool)} of a graph planned ahead by {@link #plan}. */
    public static DeviceConvGraph upload(HostPlan plan, CudaDevice device, DeviceBufferPool pool) {
        if (plan == null || device == null || pool == null) {
            throw new IllegalArgumentException("plan, device and pool must not be null");
        }
        return new DeviceConvGraph(plan, device, pool);
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

    /** The host graph this was prepared from. */
    public ConvGraph graph() {
        return graph;
    }

    public CudaDevice device() {
        return device;
    }

    public int numNodes() {
        return graph.numNodes();
    }

    public int numEdges() {
        return graph.numEdges();
    }

    /** Edges per work item of the sender side (backward) at most; receiver items hold up to 64. */
    public int chunk() {
        return chunk;
    }

    public boolean isClosed() {
        return closed;
    }

    Side receivers() {
        requireOpen();
        return receivers;
    }

    Side senders() {
        requireOpen();
        return senders;
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("device graph of " + graph.numNodes() + " nodes and " + graph.numEdges()
                    + " edges is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (pool != null) {
            return; // the pool owns the buffers
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
