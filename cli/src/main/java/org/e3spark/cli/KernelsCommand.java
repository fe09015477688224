package org.e3spark.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.ProblemCatalog;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.bundle.BundleCompilers;
import org.e3spark.kernels.bundle.BundleManifest;
import org.e3spark.kernels.bundle.BundleTarget;
import org.e3spark.kernels.bundle.KernelBundle;
import org.e3spark.kernels.bundle.KernelBundleWriter;
import org.e3spark.kernels.bundle.KernelInventory;
import org.e3spark.kernels.bundle.RecordedKernels;
import org.e3spark.kernels.devices.GpuKernelSources;
import org.e3spark.kernels.BackendUnavailableException;
import org.e3spark.model.ModelKernels;

/**
 * {@code kernels bundle}: an ahead-of-time kernel bundle (a jar of compiled kernels, see
 * {@link KernelBundleWriter}) for a model, named problems and/or recorded kernels, for every listed
 * architecture: NVRTC compiles the {@code sm_XY} targets (no GPU needed), hiprtc the {@code gfx} ones.
 * {@code kernels list}: what a bundle holds, after verifying it.
 */
final class KernelsCommand implements Main.Command {

    private final Function<BundleTarget, KernelBundleWriter.Compiler> compilers;

    KernelsCommand() {
        this(BundleCompilers::forTarget);
    }

    /** With other compilers (tests: a fake one). */
    KernelsCommand(Function<BundleTarget, KernelBundleWriter.Compiler> compilers) {
        this.compilers = compilers;
    }

    @Override
    public String summary() {
        return "kernels bundle --model CONF.json|MODEL.e3k [--problems a,b] [--conv-problems a,b] [--recorded DIR] "
                + "--arch sm_80,sm_90[,gfx90a] [--dtypes f32,f64] [--threads N] --output kernels.jar; "
                + "kernels list --bundle kernels.jar";
    }

    @Override
    public int run(Options options) throws Exception {
        List<String> words = options.positionals();
        if (words.size() != 1 || !(words.getFirst().equals("bundle") || words.getFirst().equals("list"))) {
            throw new IllegalArgumentException("expected 'kernels bundle ...' or 'kernels list --bundle FILE', got " + words);
        }
        return words.getFirst().equals("bundle") ? bundle(options) : list(options);
    }

    private int bundle(Options options) throws Exception {
        String model = options.get("model", null);
        List<String> problems = options.getList("problems", "");
        List<String> convProblems = options.getList("conv-problems", "");
        String recorded = options.get("recorded", null);
        String archs = options.get("arch", null);
        List<DType> dtypes = options.getList("dtypes", "f32,f64").stream().map(Choices::dtype).toList();
        int threads = options.getInt("threads", Runtime.getRuntime().availableProcessors());
        String output = options.get("output", null);
        options.rejectUnknown();
        if (archs == null || output == null) {
            throw new IllegalArgumentException("--arch and --output are required");
        }
        if (model == null && problems.isEmpty() && convProblems.isEmpty() && recorded == null) {
            throw new IllegalArgumentException("name what to bundle: --model, --problems, --conv-problems and/or --recorded");
        }
        List<BundleTarget> targets = BundleTarget.parseList(archs);
        List<KernelInventory> inventories = new ArrayList<>();
        if (model != null) {
            inventories.add(ModelKernels.forFile(Path.of(model), dtypes));
        }
        if (!problems.isEmpty()) {
            inventories.add(GpuKernelSources.problems("tensor products " + String.join(",", problems), catalog(problems), dtypes, false));
        }
        if (!convProblems.isEmpty()) {
            inventories.add(GpuKernelSources.problems("convolutions " + String.join(",", convProblems), catalog(convProblems), dtypes,
                    true));
        }
        if (recorded != null) {
            RecordedKernels r = RecordedKernels.read(Path.of(recorded));
            for (String a : r.archs()) {
                if (targets.stream().noneMatch(t -> t.arch().equals(a))) {
                    System.err.println("e3spark kernels: note: kernels recorded for " + a + " are left out (not in --arch)");
                }
            }
            inventories.add(r);
        }
        long t0 = System.nanoTime();
        KernelBundleWriter.Summary s;
        try {
            s = KernelBundleWriter.write(inventories, targets, compilers, Math.max(1, threads), Path.of(output));
        } catch (BackendUnavailableException e) {
            System.err.println("e3spark kernels: no compiler for " + archs + " here: " + e.getMessage());
            return 1;
        }
        System.out.printf("# e3spark kernels bundle: %s%n", output);
        for (String in : s.manifest().inputs()) {
            System.out.printf("#   input: %s%n", in);
        }
        System.out.printf("%-8s %-28s %8s%n", "arch", "compiler", "kernels");
        s.entriesPerArch().forEach((arch, n) -> System.out.printf("%-8s %-28s %8d%n", arch, s.manifest().compilers().get(arch), n));
        System.out.printf("# %d kernels, %.1f MB, %.1f s%n", s.manifest().entries().size(), s.bytes() / 1e6,
                (System.nanoTime() - t0) / 1e9);
        return 0;
    }

    private static List<TPProblem> catalog(List<String> names) {
        return names.stream().map(ProblemCatalog::problem).toList();
    }

    private int list(Options options) {
        String bundle = options.get("bundle", null);
        options.rejectUnknown();
        if (bundle == null) {
            throw new IllegalArgumentException("--bundle FILE is required");
        }
        if (!Files.isRegularFile(Path.of(bundle))) {
            throw new IllegalArgumentException("no such bundle: " + bundle);
        }
        try (KernelBundle b = KernelBundle.open(Path.of(bundle))) {
            BundleManifest m = b.manifest();
            System.out.printf("# %s: format %d, built by e3spark %s, %d kernels (manifest and hash list verified)%n", bundle,
                    m.format(), m.e3sparkVersion(), m.entries().size());
            m.inputs().forEach(i -> System.out.printf("#   input: %s%n", i));
            m.compilers().forEach((a, c) -> System.out.printf("#   %s: %s%n", a, c));
            System.out.printf("%-8s %-16s %10s  %-44s %s%n", "arch", "key", "bytes", "program", "purpose");
            for (BundleManifest.Entry e : m.entries()) {
                System.out.printf("%-8s %-16s %10d  %-44s %s%n", e.arch(), e.key().sha256Hex().substring(0, 16), e.size(),
                        e.programName(), e.purpose());
            }
        }
        return 0;
    }
}
