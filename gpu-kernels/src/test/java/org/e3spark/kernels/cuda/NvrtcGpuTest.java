package org.e3spark.kernels.cuda;

import org.e3spark.kernels.gpu.GpuTest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

@GpuTest
class NvrtcGpuTest {

    private static CudaDevice gpu;

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

    @Test
    void reportsVersionAndSupportsTheDeviceArchitecture() {
        Nvrtc nvrtc = Nvrtc.system();
        System.out.println("NVRTC " + nvrtc.version() + " from " + nvrtc.libraryDescription() + ", archs "
                + nvrtc.supportedArchs() + "; driver " + CudaDevice.driverVersion() + "; " + gpu);
        assertTrue(nvrtc.version().major() >= 12, nvrtc.version().toString());
        assertTrue(nvrtc.supportedArchs().contains(gpu.arch()), nvrtc.supportedArchs() + " lacks " + gpu.arch());
        assertTrue(gpu.multiprocessorCount() > 0);
        assertTrue(gpu.maxSharedMemoryPerBlockOptin() >= gpu.maxSharedMemoryPerBlock());
        assertTrue(gpu.totalMemoryBytes() > (1L << 30));
        assertTrue(!gpu.name().isBlank());
    }

    @Test
    void compilesToCubinForTheExactArchitecture() {
        CompiledKernel k = Nvrtc.system().compile(TestKernels.SOURCE, "test_kernels.cu", gpu.arch(), TestKernels.OPTIONS);
        byte[] cubin = k.cubin();
        assertEquals(0x7f, cubin[0]);
        assertEquals('E', cubin[1]);
        assertEquals('L', cubin[2]);
        assertEquals('F', cubin[3]);
        assertEquals("--gpu-architecture=" + gpu.arch().smName(), k.options().getFirst());
    }

    @Test
    void compileErrorCarriesLogOptionsArchAndDumpedSource() throws Exception {
        String broken = "extern \"C\" __global__ void broken(float* x) { x[0] = not_declared_anywhere; }\n";
        KernelCompileException e = assertThrows(KernelCompileException.class,
                () -> Nvrtc.system().compile(broken, "broken.cu", gpu.arch(), List.of("-default-device")));
        System.out.println(e.getMessage());
        assertTrue(e.log().contains("not_declared_anywhere"), e.log());
        assertEquals(gpu.arch(), e.arch());
        assertTrue(e.options().contains("-default-device"));
        assertEquals(broken, Files.readString(e.sourceFile()));
        assertTrue(e.getMessage().contains(e.sourceFile().toString()));
        assertTrue(e.getMessage().contains("not_declared_anywhere"));
        assertTrue(e.getMessage().contains(gpu.arch().smName()));
    }

    @Test
    void unsupportedArchitectureIsRefusedNamingTheSupportedList() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Nvrtc.system().compile(TestKernels.SOURCE, "t.cu", new GpuArch(1, 0), List.of()));
        assertTrue(e.getMessage().contains("sm_10") && e.getMessage().contains(gpu.arch().smName()), e.getMessage());
    }
}
