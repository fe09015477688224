package org.e3spark.kernels.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.Irreps;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.TPProblems;
import org.e3spark.kernels.bundle.BundleTarget;
import org.e3spark.kernels.bundle.KernelBundle;
import org.e3spark.kernels.bundle.KernelBundleWriter;
import org.e3spark.kernels.bundle.KernelBundles;
import org.e3spark.kernels.bundle.KernelSource;
import org.e3spark.kernels.internal.cache.KernelCache;
import org.e3spark.kernels.internal.cache.KernelKey;
import org.e3spark.kernels.internal.rtc.CompiledCode;
import org.e3spark.kernels.internal.rtc.RuntimeCompiler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link CachingKernelCompiler}'s order, bundle -> disk cache -> JIT, with a stand-in JIT compiler and a
 * bundle of stand-in binaries (no GPU, no NVRTC here): what is asked of each, and what it is not asked.
 */
class BundleLookupPrecedenceTest {

    private static final GpuArch SM90 = new GpuArch(9, 0);

    /** A JIT stand-in: counts compiles, returns bytes that say they were compiled here. */
    static final class CountingJit implements RuntimeCompiler<GpuArch> {
        final AtomicInteger compiles = new AtomicInteger();

        @Override
        public String identity() {
            return "nvrtc-test";
        }

        @Override
        public String libraryDescription() {
            return "test";
        }

        @Override
        public CompiledCode compile(String source, String programName, GpuArch arch, List<String> extraOptions) {
            compiles.incrementAndGet();
            byte[] b = ("JIT " + programName + " " + arch).getBytes(StandardCharsets.UTF_8);
            return new CompiledKernel(b, "", arch, extraOptions);
        }
    }

    private static TPProblem problem() {
        Irreps a = Irreps.parse("4x0e+2x1o");
        return TPProblems.channelwise(a, Irreps.parse("1x0e+1x1o"), a);
    }

    private static List<KernelSource> units(String arch) {
        return KernelSources.tensorProduct(problem(), DType.FLOAT32, BundleTarget.of(arch));
    }

    private static KernelBundles bundleOf(String archs) {
        byte[] jar = KernelBundleWriter.build(List.of(KernelSources.problems("p", List.of(problem()), List.of(DType.FLOAT32), false)),
                BundleTarget.parseList(archs), t -> new KernelBundleWriter.Compiler() {
                    @Override
                    public String identity() {
                        return "nvrtc-bundled";
                    }

                    @Override
                    public byte[] compile(KernelSource unit, BundleTarget target) {
                        return ("BUNDLED " + unit.programName() + " " + target.arch()).getBytes(StandardCharsets.UTF_8);
                    }
                });
        return new KernelBundles(List.of(KernelBundle.inMemory("k.jar", jar)));
    }

    private static Supplier<RuntimeCompiler<GpuArch>> unavailable(AtomicInteger asked) {
        return () -> {
            asked.incrementAndGet();
            throw new NvrtcUnavailableException("NVRTC (the CUDA runtime compiler) not found; tried /nonexistent");
        };
    }

    @Test
    void aBundleHitNeedsNeitherTheCompilerNorTheCache(@TempDir Path tmp) throws Exception {
        AtomicInteger asked = new AtomicInteger();
        KernelCache cache = new KernelCache(tmp.resolve("cache"));
        CachingKernelCompiler c = new CachingKernelCompiler(unavailable(asked), cache, bundleOf("sm_80,sm_90"));
        for (KernelSource u : units("sm_90")) {
            byte[] b = c.cubin(u.source(), u.programName(), SM90, u.options());
            assertEquals("BUNDLED " + u.programName() + " sm_90", new String(b, StandardCharsets.UTF_8));
        }
        assertEquals(0, asked.get(), "NVRTC was never asked for");
        assertEquals(0, cache.stats().compiles() + cache.stats().diskHits() + cache.stats().memoryHits());
        try (var files = Files.list(tmp.resolve("cache"))) {
            assertEquals(0, files.count(), "bundle hits are not copied to the disk cache");
        }
        assertEquals(3, c.bundles().hits());
    }

    @Test
    void aMissGoesToTheDiskCacheThenTheCompilerWithTodaysKey(@TempDir Path tmp) {
        CountingJit jit = new CountingJit();
        KernelBundles bundles = bundleOf("sm_90");
        KernelSource u = units("sm_90").getFirst();
        String other = u.source() + "\n// another model's kernel\n";

        CachingKernelCompiler first = new CachingKernelCompiler(() -> jit, new KernelCache(tmp), bundles);
        byte[] compiled = first.cubin(other, "other.cu", SM90, u.options());
        assertEquals("JIT other.cu sm_90", new String(compiled, StandardCharsets.UTF_8));
        assertEquals(1, jit.compiles.get());
        KernelKey diskKey = KernelKey.of(other, "sm_90", "nvrtc-test", u.options());
        assertEquals(diskKey, first.key(other, SM90, u.options()), "the disk cache key is unchanged: local compiler identity");
        assertTrue(Files.exists(tmp.resolve(diskKey.sha256Hex() + ".cubin")));

        // a fresh process: bundle miss, disk hit, no compile
        KernelCache cache2 = new KernelCache(tmp);
        CachingKernelCompiler second = new CachingKernelCompiler(() -> jit, cache2, bundles);
        assertArrayEquals(compiled, second.cubin(other, "other.cu", SM90, u.options()));
        assertEquals(1, jit.compiles.get());
        assertEquals(1, cache2.stats().diskHits());
        // and the bundled kernel still comes from the bundle, before the cache
        assertEquals("BUNDLED " + u.programName() + " sm_90",
                new String(second.cubin(u.source(), u.programName(), SM90, u.options()), StandardCharsets.UTF_8));
        assertEquals(1, jit.compiles.get());
    }

    @Test
    void withoutABundleTheCompilerIsAskedAsBefore(@TempDir Path tmp) {
        CountingJit jit = new CountingJit();
        CachingKernelCompiler c = new CachingKernelCompiler(() -> jit, new KernelCache(tmp), KernelBundles.none());
        KernelSource u = units("sm_90").getFirst();
        c.cubin(u.source(), u.programName(), SM90, u.options());
        c.cubin(u.source(), u.programName(), SM90, u.options());
        assertEquals(1, jit.compiles.get());
        AtomicInteger asked = new AtomicInteger();
        CachingKernelCompiler none = new CachingKernelCompiler(unavailable(asked), KernelCache.inMemoryOnly(), KernelBundles.none());
        NvrtcUnavailableException e = assertThrows(NvrtcUnavailableException.class,
                () -> none.cubin(u.source(), u.programName(), SM90, u.options()));
        assertTrue(e.getMessage().startsWith("NVRTC (the CUDA runtime compiler) not found"), e.getMessage());
    }

    @Test
    void aNewerArchitectureThanTheBundlesWithoutNvrtcIsAClearError() {
        AtomicInteger asked = new AtomicInteger();
        CachingKernelCompiler c = new CachingKernelCompiler(unavailable(asked), KernelCache.inMemoryOnly(), bundleOf("sm_80,sm_90"));
        KernelSource u = units("sm_100").getFirst();
        NvrtcUnavailableException e = assertThrows(NvrtcUnavailableException.class,
                () -> c.cubin(u.source(), u.programName(), new GpuArch(10, 0), u.options()));
        String m = e.getMessage();
        assertTrue(m.startsWith("this device is sm_100, newer than every architecture of the kernel bundle(s) [k.jar]"
                + " (they cover sm_80, sm_90)"), m);
        assertTrue(m.contains("--arch sm_80,sm_90,sm_100") && m.contains("not found; tried /nonexistent"), m);

        KernelSource u86 = units("sm_86").getFirst();
        String m86 = assertThrows(NvrtcUnavailableException.class,
                () -> c.cubin(u86.source(), u86.programName(), new GpuArch(8, 6), u86.options())).getMessage();
        assertTrue(m86.startsWith("this device is sm_86, not an architecture of the kernel bundle(s)"), m86);
    }

    @Test
    void aKernelMissingFromTheBundleWithoutNvrtcNamesTheKernel() {
        AtomicInteger asked = new AtomicInteger();
        CachingKernelCompiler c = new CachingKernelCompiler(unavailable(asked), KernelCache.inMemoryOnly(), bundleOf("sm_90"));
        KernelSource u = units("sm_90").getFirst();
        String m = assertThrows(NvrtcUnavailableException.class,
                () -> c.cubin(u.source() + " ", "another_model.cu", SM90, u.options())).getMessage();
        assertTrue(m.startsWith("kernel another_model.cu for sm_90 is in no kernel bundle [k.jar]"), m);
    }

    @Test
    void theGeneratedSourceDependsOnTheArchitectureNotTheSkusMultiprocessorCount() {
        // what TensorProductModule.targetOf gives for an H100 SXM (132 SMs) and an H100 PCIe (114 SMs)
        var sxm = new org.e3spark.kernels.gpu.GpuTarget(
                org.e3spark.kernels.gpu.GpuTarget.Dialect.CUDA, "sm_90", 32, 132, 227 * 1024, 228 * 1024);
        var pcie = new org.e3spark.kernels.gpu.GpuTarget(
                org.e3spark.kernels.gpu.GpuTarget.Dialect.CUDA, "sm_90", 32, 114, 227 * 1024, 228 * 1024);
        for (boolean conv : new boolean[]{false, true}) {
            var tuning = conv ? org.e3spark.kernels.internal.codegen.PlannerTuning.convolutionDefault(DType.FLOAT64)
                    : org.e3spark.kernels.internal.codegen.PlannerTuning.DEFAULT;
            List<KernelSource> a = TensorProductModule.sources(problem(), DType.FLOAT64, sxm, conv, tuning);
            List<KernelSource> b = TensorProductModule.sources(problem(), DType.FLOAT64, pcie, conv, tuning);
            List<KernelSource> bundled = conv ? KernelSources.convolution(problem(), DType.FLOAT64, BundleTarget.of("sm_90"))
                    : KernelSources.tensorProduct(problem(), DType.FLOAT64, BundleTarget.of("sm_90"));
            assertEquals(a, b);
            assertEquals(a, bundled);
        }
    }
}
