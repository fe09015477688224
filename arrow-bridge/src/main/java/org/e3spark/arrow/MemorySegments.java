package org.e3spark.arrow;

import java.lang.foreign.MemorySegment;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BaseFixedWidthVector;

/**
 * Zero-copy {@link MemorySegment} views of Arrow buffers, for device copies (the CUDA backend's
 * device-resident API takes segments) and FFM downcalls, which reject heap segments. A view
 * borrows: it is valid only while the Arrow buffer lives (until its vector or root is closed or
 * cleared) and must not be used after that. Needs {@code --enable-native-access=ALL-UNNAMED}
 * ({@link MemorySegment#reinterpret} is a restricted method).
 */
public final class MemorySegments {

    private MemorySegments() {
    }

    /** The first {@code length} bytes of an Arrow buffer. */
    @SuppressWarnings("restricted") // reinterpret: the length is checked against the buffer's capacity
    public static MemorySegment view(ArrowBuf buf, long length) {
        if (length < 0 || length > buf.capacity()) {
            throw new IllegalArgumentException("view of " + length + " bytes of an Arrow buffer of " + buf.capacity());
        }
        if (length == 0) {
            return MemorySegment.NULL.reinterpret(0);
        }
        return MemorySegment.ofAddress(buf.memoryAddress()).reinterpret(length);
    }

    /** The values of a fixed-width vector (value count x type width bytes), validity not included. */
    public static MemorySegment values(BaseFixedWidthVector v) {
        return view(v.getDataBuffer(), (long) v.getValueCount() * v.getTypeWidth());
    }
}
