package org.e3spark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.apache.spark.SparkConf;
import org.e3spark.kernels.Backend;
import org.junit.jupiter.api.Test;

/** Executor device choice (spark-rapids order) and the config key table, without Spark running. */
class DeviceChoiceTest {

    @Test
    void taskGpuResourceWinsThenConfiguredDeviceThenCpu() {
        DeviceChoice fromTask = DeviceChoice.decide(Optional.of("3"), 1, "auto");
        assertEquals(Backend.AUTO, fromTask.target().backend());
        assertEquals(3, fromTask.target().device());
        assertTrue(fromTask.reason().contains("task resource"));
        assertEquals(1, DeviceChoice.decide(Optional.empty(), 1, "auto").target().device());
        assertEquals(Backend.CPU, DeviceChoice.decide(Optional.empty(), -1, "auto").target().backend());
        assertEquals(Backend.CPU, DeviceChoice.decide(Optional.of("0"), 0, "cpu").target().backend());
        assertEquals(Backend.CUDA, DeviceChoice.decide(Optional.of("0"), -1, "cuda").target().backend());
    }

    @Test
    void cudaWithoutAnyGpuAndBadAddressesAreErrors() {
        assertTrue(assertThrows(IllegalStateException.class, () -> DeviceChoice.decide(Optional.empty(), -1, "cuda"))
                .getMessage().contains("spark.e3spark.gpu.device"));
        assertThrows(IllegalArgumentException.class, () -> DeviceChoice.decide(Optional.of("GPU-abc"), -1, "auto"));
    }

    @Test
    void everyKeyIsDeclaredOnceUnderSparkE3sparkAndBadValuesNameTheKey() {
        Set<String> keys = new HashSet<>();
        for (E3SparkConf.Key<?> k : E3SparkConf.ALL) {
            assertTrue(k.key().startsWith("spark.e3spark."), k.key());
            assertTrue(keys.add(k.key()), "declared twice: " + k.key());
            assertTrue(!k.doc().isBlank());
        }
        SparkConf conf = new SparkConf(false).set("spark.e3spark.onError", "ignore").set("spark.e3spark.batch.maxNodes", "0");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> E3SparkConf.ON_ERROR.get(conf)).getMessage()
                .contains("spark.e3spark.onError must be fail|skip"));
        assertThrows(IllegalArgumentException.class, () -> E3SparkConf.BATCH_MAX_NODES.get(conf));
        assertEquals("auto", E3SparkConf.BACKEND.get(conf));
        assertEquals(Boolean.TRUE, E3SparkConf.FORCES.parse("TRUE"));
    }
}
