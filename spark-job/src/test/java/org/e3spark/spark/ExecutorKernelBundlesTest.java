package org.e3spark.spark;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.SparkConf;
import org.e3spark.kernels.bundle.BundleTarget;
import org.e3spark.kernels.bundle.KernelBundle;
import org.e3spark.kernels.bundle.KernelBundleWriter;
import org.e3spark.kernels.bundle.KernelBundles;
import org.e3spark.kernels.bundle.KernelInventory;
import org.e3spark.kernels.bundle.KernelSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** spark.e3spark.kernels.bundle: an executor adds the bundles it names to the kernel library's set. */
class ExecutorKernelBundlesTest {

    @Test
    void theConfiguredBundleIsConsulted(@TempDir Path tmp) throws Exception {
        KernelSource unit = new KernelSource("k.cu", "extern \"C\" __global__ void executor_test_kernel() {}\n",
                List.of("--std=c++17"), "test");
        KernelInventory inv = new KernelInventory() {
            @Override
            public String describe() {
                return "one test kernel";
            }

            @Override
            public List<KernelSource> sources(BundleTarget target) {
                return List.of(unit);
            }
        };
        Path jar = tmp.resolve("kernels.jar");
        KernelBundleWriter.write(List.of(inv), BundleTarget.parseList("sm_90"), t -> new KernelBundleWriter.Compiler() {
            @Override
            public String identity() {
                return "fake";
            }

            @Override
            public byte[] compile(KernelSource u, BundleTarget target) {
                return "FAKE".getBytes(StandardCharsets.UTF_8);
            }
        }, 1, jar);
        ExecutorState.kernelBundles(new SparkConf(false).set(E3SparkConf.KERNELS_BUNDLE.key(),
                tmp.resolve("absent.jar") + "," + jar));
        KernelBundles system = KernelBundles.system();
        assertTrue(system.bundles().stream().map(KernelBundle::origin).anyMatch(o -> o.equals(jar.toString())), system.bundles().toString());
        assertTrue(system.find(unit.programName(), unit.source(), "sm_90", unit.options()) != null);
    }
}
