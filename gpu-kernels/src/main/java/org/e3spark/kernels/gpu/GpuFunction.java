package org.e3spark.kernels.gpu;

/**
 * A kernel of a {@link GpuModule}: the one launch path of every backend. {@link #launch} packs the
 * arguments by their Java type, matching the kernel's C signature: {@link DeviceBuffer} → a device
 * pointer, {@link Integer} → {@code int}, {@link Long} → {@code long long}, {@link Float} →
 * {@code float}, {@link Double} → {@code double}; anything else is refused, naming the argument.
 */
public interface GpuFunction {

    String name();

    /** Allows launches with up to {@code bytes} of dynamic shared memory (at most the device's opt-in limit). */
    void setMaxDynamicSharedMemory(int bytes);

    /** Queues one launch on {@code stream}; returns at once (errors inside the kernel surface at the next sync). */
    void launch(LaunchConfig config, GpuStream stream, Object... args);
}
