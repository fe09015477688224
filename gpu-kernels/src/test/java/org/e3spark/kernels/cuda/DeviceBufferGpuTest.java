package org.e3spark.kernels.cuda;

import org.e3spark.kernels.gpu.GpuTest;

import org.e3spark.kernels.gpu.PinnedHostBuffer;
import org.e3spark.kernels.gpu.DeviceAllocator;
import org.e3spark.kernels.gpu.DeviceBuffer;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Each test gets a fresh allocator and must leave it empty: every test here is a leak test. */
@GpuTest
class DeviceBufferGpuTest {

    private static final long SEED = 20260611L;
    private static CudaDevice gpu;
    private DeviceAllocator allocator;
    private final Random random = new Random(SEED);

    @BeforeAll
    static void open() {
        gpu = CudaDevice.open(0);
    }

    @AfterAll
    static void close() {
        if (gpu != null) {
            gpu.close();
        }
    }

    @BeforeEach
    void freshAllocator() {
        allocator = gpu.newAllocator("test");
    }

    @AfterEach
    void nothingLeaked() {
        assertEquals(0, allocator.outstandingBuffers(), allocator.toString());
        assertEquals(0, allocator.outstandingBytes());
        allocator.close();
    }

    @Test
    void doublesFloatsAndIntsRoundTrip() {
        double[] d = random.doubles(4097).map(v -> v * 2 - 1).toArray();
        float[] f = new float[207];
        for (int i = 0; i < f.length; i++) {
            f[i] = random.nextFloat() - 0.5f;
        }
        int[] n = random.ints(13).toArray();
        try (DeviceBuffer bd = allocator.allocate(d.length * 8L);
             DeviceBuffer bf = allocator.allocate(f.length * 4L);
             DeviceBuffer bi = allocator.allocate(n.length * 4L)) {
            assertEquals(3, allocator.outstandingBuffers());
            assertEquals(d.length * 8L + f.length * 4L + n.length * 4L, allocator.outstandingBytes());
            bd.copyFrom(d);
            bf.copyFrom(f);
            bi.copyFrom(n);
            double[] d2 = new double[d.length];
            float[] f2 = new float[f.length];
            int[] n2 = new int[n.length];
            java.util.Arrays.fill(d2, Double.NaN);
            java.util.Arrays.fill(f2, Float.NaN);
            bd.copyTo(d2);
            bf.copyTo(f2);
            bi.copyTo(n2);
            assertArrayEquals(d, d2);
            assertArrayEquals(f, f2);
            assertArrayEquals(n, n2);
        }
    }

    @Test
    void nativeAndHeapSegmentsRoundTrip() {
        byte[] bytes = new byte[10_001];
        random.nextBytes(bytes);
        try (Arena arena = Arena.ofConfined(); DeviceBuffer b = allocator.allocate(bytes.length)) {
            b.copyFrom(MemorySegment.ofArray(bytes));
            MemorySegment nativeOut = arena.allocate(bytes.length);
            b.copyTo(nativeOut);
            assertArrayEquals(bytes, nativeOut.toArray(ValueLayout.JAVA_BYTE));

            MemorySegment nativeIn = arena.allocate(bytes.length);
            byte[] other = new byte[bytes.length];
            random.nextBytes(other);
            MemorySegment.copy(MemorySegment.ofArray(other), 0, nativeIn, 0, other.length);
            b.copyFrom(nativeIn);
            byte[] heapOut = new byte[bytes.length];
            b.copyTo(MemorySegment.ofArray(heapOut));
            assertArrayEquals(other, heapOut);
        }
    }

    @Test
    void pinnedAsyncCopiesAndMemsetRunInStreamOrder() {
        int n = 100_003;
        try (CudaStream stream = gpu.createStream();
             PinnedHostBuffer in = gpu.allocatePinned(n * 8L);
             PinnedHostBuffer out = gpu.allocatePinned(n * 8L);
             DeviceBuffer b = allocator.allocate(n * 8L)) {
            for (int i = 0; i < n; i++) {
                in.segment().setAtIndex(ValueLayout.JAVA_DOUBLE, i, random.nextGaussian());
                out.segment().setAtIndex(ValueLayout.JAVA_DOUBLE, i, Double.NaN);
            }
            b.copyFromAsync(in.segment(), stream);
            b.copyToAsync(out.segment(), stream);
            stream.synchronize();
            assertArrayEquals(in.segment().toArray(ValueLayout.JAVA_DOUBLE), out.segment().toArray(ValueLayout.JAVA_DOUBLE));
            b.memsetZeroAsync(stream);
            b.copyToAsync(out.segment(), stream);
            stream.synchronize();
            for (int i = 0; i < n; i++) {
                assertEquals(0.0, out.segment().getAtIndex(ValueLayout.JAVA_DOUBLE, i));
            }
        }
    }

    @Test
    void asyncCopyOfAHeapSegmentIsRefused() {
        try (CudaStream stream = gpu.createStream(); DeviceBuffer b = allocator.allocate(64)) {
            assertThrows(IllegalArgumentException.class, () -> b.copyFromAsync(MemorySegment.ofArray(new byte[64]), stream));
        }
    }

    @Test
    void closeTwiceIsHarmlessAndUseAfterCloseThrows() {
        DeviceBuffer b = allocator.allocate(1024);
        b.close();
        b.close();
        assertEquals(0, allocator.outstandingBuffers());
        assertThrows(IllegalStateException.class, () -> b.copyFrom(new float[4]));
        assertThrows(IllegalStateException.class, () -> b.copyTo(new int[4]));
        PinnedHostBuffer p = gpu.allocatePinned(64);
        p.close();
        p.close();
        assertThrows(IllegalStateException.class, p::segment);
    }

    @Test
    void copyLargerThanTheBufferIsRefused() {
        try (DeviceBuffer b = allocator.allocate(16)) {
            assertThrows(IllegalArgumentException.class, () -> b.copyFrom(new double[3]));
        }
    }

    @Test
    void absurdAllocationThrowsDeviceOutOfMemoryAndLeaksNothing() {
        long freeBefore = gpu.freeMemoryBytes();
        try (DeviceBuffer held = allocator.allocate(1 << 20)) {
            DeviceOutOfMemoryException e = assertThrows(DeviceOutOfMemoryException.class,
                    () -> allocator.allocate(1L << 50));
            assertEquals(1L << 50, e.requestedBytes());
            assertEquals(1 << 20, e.outstandingBytes());
            assertEquals(1, allocator.outstandingBuffers());
            assertTrue(held.byteSize() > 0);
        }
        long freeAfter = gpu.freeMemoryBytes();
        assertTrue(Math.abs(freeBefore - freeAfter) < (64L << 20), freeBefore + " vs " + freeAfter);
    }

    @Test
    void allocatorClosedWithALiveBufferFreesItAndReportsTheLeak() {
        DeviceAllocator leaky = gpu.newAllocator("leaky");
        DeviceBuffer forgotten = leaky.allocate(4096);
        IllegalStateException e = assertThrows(IllegalStateException.class, leaky::close);
        assertTrue(e.getMessage().contains("1 outstanding buffer"), e.getMessage());
        assertEquals(0, leaky.outstandingBytes());
        assertTrue(forgotten.isClosed());
    }
}
