package org.e3spark.kernels.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.e3spark.kernels.cuda.CachingKernelCompiler;
import org.e3spark.kernels.cuda.CompiledKernel;
import org.e3spark.kernels.cuda.GpuArch;
import org.e3spark.kernels.internal.cache.KernelCache;
import org.e3spark.kernels.internal.rtc.CompiledCode;
import org.e3spark.kernels.internal.rtc.RuntimeCompiler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** -De3spark.kernels.record=DIR: what a run asked for is written down and bundles as it was asked for. */
class BundleRecordedKernelsTest {

    @Test
    void recordedUnitsRoundTripAndBundleForTheirArchitecture(@TempDir Path tmp) {
        Path dir = tmp.resolve("recorded");
        RuntimeCompiler<GpuArch> jit = new RuntimeCompiler<>() {
            @Override
            public String identity() {
                return "nvrtc-test";
            }

            @Override
            public String libraryDescription() {
                return "test";
            }

            @Override
            public CompiledCode compile(String source, String programName, GpuArch arch, List<String> options) {
                return new CompiledKernel("X".getBytes(StandardCharsets.UTF_8), "", arch, options);
            }
        };
        String source = "extern \"C\" __global__ void k() {}\n// tab\there, 100%\n\n// blank line above\n";
        CachingKernelCompiler c = new CachingKernelCompiler(() -> jit, KernelCache.inMemoryOnly(), KernelBundles.none(), dir);
        c.cubin(source, "k.cu", new GpuArch(9, 0), List.of("--std=c++17", "-DX=a\tb"));
        c.cubin(source, "k.cu", new GpuArch(9, 0), List.of("--std=c++17", "-DX=a\tb"));
        c.cubin(source, "k.cu", new GpuArch(8, 0), List.of());
        RecordedKernels r = RecordedKernels.read(dir);
        assertEquals(2, r.sources(BundleTarget.of("sm_90")).size() + r.sources(BundleTarget.of("sm_80")).size());
        KernelSource u = r.sources(BundleTarget.of("sm_90")).getFirst();
        assertEquals(source, u.source());
        assertEquals("k.cu", u.programName());
        assertEquals(List.of("--std=c++17", "-DX=a\tb"), u.options());
        assertEquals(List.of(), r.sources(BundleTarget.of("sm_100")));

        byte[] jar = BundleFixtures.build(List.of(r), "sm_80,sm_90,sm_100");
        try (KernelBundle b = KernelBundle.inMemory("r.jar", jar)) {
            assertTrue(b.find(source, "sm_90", u.options()).hit());
            assertTrue(b.find(source, "sm_80", List.of()).hit());
            assertEquals(0, b.manifest().entries().stream().filter(e -> e.arch().equals("sm_100")).count());
        }
    }
}
