package org.e3spark.kernels.gpu;

/** A loaded code object; its {@link GpuFunction}s are borrowed and stop working when it is closed. */
public interface GpuModule extends AutoCloseable {

    /** The kernel named {@code name} (declared {@code extern "C"}); fails when the module has none. */
    GpuFunction function(String name);

    GpuDevice device();

    /** Unloads the module; harmless when already closed. */
    @Override
    void close();
}
