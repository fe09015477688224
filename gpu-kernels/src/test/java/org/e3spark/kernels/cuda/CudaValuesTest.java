package org.e3spark.kernels.cuda;

import org.e3spark.kernels.gpu.LaunchConfig;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The value types and exceptions of the CUDA layer, which need no GPU. */
class CudaValuesTest {

    @Test
    void gpuArchNamesAndParsesSmNames() {
        assertEquals("sm_90", new GpuArch(9, 0).smName());
        assertEquals(new GpuArch(12, 0), GpuArch.parse("sm_120"));
        assertEquals(new GpuArch(8, 6), GpuArch.fromNumber(86));
        assertEquals(90, GpuArch.parse("sm_90").number());
        assertThrows(IllegalArgumentException.class, () -> GpuArch.parse("compute_90"));
        assertThrows(IllegalArgumentException.class, () -> new GpuArch(0, 0));
        assertThrows(IllegalArgumentException.class, () -> new GpuArch(9, 10));
    }

    @Test
    void launchConfigRejectsImpossibleShapes() {
        assertEquals(17, LaunchConfig.cover(4097, 256).gridX());
        assertEquals(1, LaunchConfig.cover(1, 256).gridX());
        assertThrows(IllegalArgumentException.class, () -> LaunchConfig.linear(0, 32, 0));
        assertThrows(IllegalArgumentException.class, () -> LaunchConfig.linear(1, 2048, 0));
        assertThrows(IllegalArgumentException.class, () -> new LaunchConfig(1, 1, 1, 32, 32, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> LaunchConfig.linear(1, 32, -1));
        assertThrows(IllegalArgumentException.class, () -> new LaunchConfig(1, 70000, 1, 32, 1, 1, 0));
    }

    @Test
    void cudaExceptionNamesApiAndResult() {
        CudaException e = new CudaException("cuMemAlloc", 2, "1024 bytes");
        assertEquals("cuMemAlloc failed: CUDA_ERROR_OUT_OF_MEMORY (2): 1024 bytes", e.getMessage());
        assertTrue(e.isOutOfMemory());
        DeviceOutOfMemoryException oom = new DeviceOutOfMemoryException("test", 1L << 50, 4096);
        assertTrue(oom.getMessage().contains(String.valueOf(1L << 50)), oom.getMessage());
        assertTrue(oom.getMessage().contains("4096 bytes outstanding"), oom.getMessage());
    }

    @Test
    void failedCompileDumpsTheSourceAndTheMessageCarriesLogOptionsArchAndPath() throws Exception {
        String source = "extern \"C\" __global__ void broken() { undefined_symbol(); }\n";
        KernelCompileException e = FailedKernelDump.compileFailure(source, "broken kernel.cu",
                "NVRTC_ERROR_COMPILATION", "broken.cu(1): error: identifier \"undefined_symbol\" is undefined",
                List.of("--gpu-architecture=sm_90", "-default-device"), new GpuArch(9, 0));
        Path file = e.sourceFile();
        assertTrue(file.startsWith(org.e3spark.kernels.internal.rtc.FailedSourceDump.directory()), file.toString());
        assertEquals(source, Files.readString(file));
        for (String part : List.of("sm_90", "--gpu-architecture=sm_90", "-default-device", file.toString(),
                "undefined_symbol", "NVRTC_ERROR_COMPILATION", "broken kernel.cu")) {
            assertTrue(e.getMessage().contains(part), "message lacks " + part + ":\n" + e.getMessage());
        }
        assertTrue(file.getFileName().toString().matches("broken_kernel\\.cu-[0-9a-f]{64}\\.cu"), file.toString());
    }
}
