package org.e3spark.spark;

import java.util.Optional;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.e3spark.kernels.Backend;
import org.e3spark.model.ComputeTarget;

/**
 * Where a task runs its kernels, by the spark-rapids convention: the GPU Spark assigned to the task
 * ({@code spark.executor.resource.gpu.amount} and a discovery script; the first address of the
 * task's "gpu" resource), else {@code spark.e3spark.gpu.device}, else the CPU; all subject to
 * {@code spark.e3spark.backend} (cpu never uses a GPU; cuda requires one). In local mode, where Spark
 * schedules no GPUs, a task with no configured device takes GPU {@code partition % count} of the GPUs
 * the JVM sees, so one JVM spreads its tasks over every GPU of the machine. The decision and its
 * reason are a value, so tests check it without Spark or a GPU.
 */
public record DeviceChoice(ComputeTarget target, String reason) {

    /** Decides from the task's GPU address (if any), the configured device (-1: none) and the backend setting. */
    public static DeviceChoice decide(Optional<String> taskGpuAddress, int configuredDevice, String backend) {
        return decide(taskGpuAddress, configuredDevice, FeaturizeSettings.BackendSetting.of(backend), 0, 0);
    }

    /** As {@link #decide(Optional, int, String)}, for the setting parsed on the driver. */
    public static DeviceChoice decide(Optional<String> taskGpuAddress, int configuredDevice,
                                      FeaturizeSettings.BackendSetting backend) {
        return decide(taskGpuAddress, configuredDevice, backend, 0, 0);
    }

    /** As the five-argument form, from the setting's text (tests). */
    public static DeviceChoice decide(Optional<String> taskGpuAddress, int configuredDevice, String backend,
                                      int localGpus, int partition) {
        return decide(taskGpuAddress, configuredDevice, FeaturizeSettings.BackendSetting.of(backend), localGpus,
                partition);
    }

    /**
     * As {@link #decide(Optional, int, String)}, for the setting parsed on the driver and a local-mode task
     * that sees {@code localGpus} GPUs (0 on a cluster, where Spark's resources assign them): with no task
     * address and no configured device, the task's {@code partition} picks one of them round robin.
     */
    public static DeviceChoice decide(Optional<String> taskGpuAddress, int configuredDevice,
                                      FeaturizeSettings.BackendSetting backend, int localGpus, int partition) {
        if (backend == FeaturizeSettings.BackendSetting.CPU) {
            return new DeviceChoice(ComputeTarget.cpu(), "spark.e3spark.backend=cpu");
        }
        Backend b = backend == FeaturizeSettings.BackendSetting.CUDA ? Backend.CUDA : Backend.AUTO;
        if (taskGpuAddress.isPresent()) {
            int ordinal;
            try {
                ordinal = Integer.parseInt(taskGpuAddress.get().trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("the task's gpu resource address '" + taskGpuAddress.get()
                        + "' is not a device ordinal (check the discovery script's output)");
            }
            return new DeviceChoice(new ComputeTarget(b, ordinal), "task resource gpu address " + ordinal);
        }
        if (configuredDevice >= 0) {
            return new DeviceChoice(new ComputeTarget(b, configuredDevice), "spark.e3spark.gpu.device=" + configuredDevice);
        }
        if (localGpus > 0) {
            int ordinal = Math.floorMod(partition, localGpus);
            return new DeviceChoice(new ComputeTarget(b, ordinal), "local mode: partition " + partition + " on GPU "
                    + ordinal + " of " + localGpus);
        }
        if (b == Backend.CUDA) {
            throw new IllegalStateException("spark.e3spark.backend=cuda but the task has no gpu resource and "
                    + "spark.e3spark.gpu.device is not set (see conf/spark-defaults.conf for the GPU settings)");
        }
        return new DeviceChoice(ComputeTarget.cpu(), "no gpu resource for the task and spark.e3spark.gpu.device unset");
    }

    /** The first "gpu" address Spark assigned to the current task, if any. */
    public static Optional<String> taskGpuAddress(TaskContext ctx) {
        if (ctx == null) {
            return Optional.empty();
        }
        ResourceInformation gpu = ctx.resourcesJMap().get("gpu");
        if (gpu == null || gpu.addresses().length == 0) {
            return Optional.empty();
        }
        return Optional.of(gpu.addresses()[0]);
    }
}
