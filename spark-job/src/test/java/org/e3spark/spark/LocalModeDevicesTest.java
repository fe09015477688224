package org.e3spark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.spark.sql.SparkSession;
import org.e3spark.data.SampleDataset;
import org.e3spark.data.Structure;
import org.e3spark.kernels.Backend;
import org.e3spark.model.FeaturizerConfig;
import org.e3spark.model.FeaturizerModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 18: in local mode one JVM spreads its tasks over every GPU it sees, a featurizer pool per
 * device. Proven here with two fake devices: the JVM is told it sees two GPUs, tasks pick device
 * {@code partition % 2}, and (no GPU here) each AUTO featurizer falls back to the CPU, so the job's
 * rows are those of a CPU run while the executor's pool holds featurizers of both devices.
 */
class LocalModeDevicesTest {

    static SparkSession spark;
    static List<Structure> sample;
    static FeaturizerModel model;

    @BeforeAll
    static void start() {
        ExecutorState.featurizers().clear();
        ExecutorState.resetLocalGpus();
        ExecutorState.gpuCounter = () -> 2; // two fake devices
        spark = SparkSession.builder().master("local[2]").appName("e3spark-local-devices")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
        sample = SampleDataset.load();
        model = FeaturizerModel.seeded(FeaturizerConfig.bundled("featurizer-small"));
    }

    @AfterAll
    static void stop() {
        spark.stop();
        ExecutorState.featurizers().clear();
        ExecutorState.gpuCounter = ExecutorState::countGpusForTests;
        ExecutorState.resetLocalGpus();
    }

    @Test
    void partitionsPickDevicesRoundRobin() {
        assertEquals(1, DeviceChoice.decide(Optional.empty(), -1, "auto", 2, 3).target().device());
        assertEquals(0, DeviceChoice.decide(Optional.empty(), -1, "auto", 2, 4).target().device());
        assertEquals(Backend.CUDA, DeviceChoice.decide(Optional.empty(), -1, "cuda", 2, 1).target().backend());
        // an explicit device or a task's resource wins; cpu never takes a GPU
        assertEquals(5, DeviceChoice.decide(Optional.empty(), 5, "auto", 2, 1).target().device());
        assertEquals(3, DeviceChoice.decide(Optional.of("3"), -1, "auto", 2, 0).target().device());
        assertEquals(Backend.CPU, DeviceChoice.decide(Optional.empty(), -1, "cpu", 2, 1).target().backend());
    }

    @Test
    void aLocalModeJobSpreadsItsTasksOverBothDevices() {
        EquivariantFeaturizer t = new EquivariantFeaturizer().setModel(model).setMaxNodes(100);
        long rows = t.transform(StructureFrames.of(spark, sample, 4)).count();
        assertEquals(sample.size(), rows);
        Set<Integer> devices = ExecutorState.featurizers().idleKeys().stream().map(k -> k.target().device())
                .collect(Collectors.toSet());
        assertEquals(Set.of(0, 1), devices, "pooled featurizers by device: " + ExecutorState.featurizers().idleKeys());
        assertTrue(ExecutorState.featurizers().idleKeys().stream().allMatch(k -> k.target().backend() == Backend.AUTO));
    }
}
