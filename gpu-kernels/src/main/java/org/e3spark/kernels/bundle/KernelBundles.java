package org.e3spark.kernels.bundle;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.e3spark.kernels.internal.cache.KernelKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel bundles a process consults before its disk cache and compiler: bundles named by the
 * system property {@value #PROPERTY} or the environment variable {@value #ENV} (paths separated by
 * {@code ,} or the platform's path separator), every bundle on the class path (a jar with
 * {@value KernelBundle#MANIFEST}, e.g. {@code spark-submit --jars kernels.jar}), and bundles added
 * later ({@link #add}: the Spark executor's {@code spark.e3spark.kernels.bundle}).
 *
 * <p>What is logged, each once per process: a bundle refused as a whole (why; its entries are never
 * consulted), an entry refused (tampered or torn: its kernel is compiled instead), a kernel no bundle
 * holds (its program name and architecture; it is compiled instead), and a device architecture no
 * bundle covers. Hits are counted ({@link #hits()}) and logged at debug level. Verified binaries are
 * kept in memory, so a kernel is read and hashed once per process.
 */
public final class KernelBundles {

    public static final String PROPERTY = "e3spark.kernels.bundle";
    public static final String ENV = "E3SPARK_KERNELS_BUNDLE";

    private static final Logger LOG = LoggerFactory.getLogger(KernelBundles.class);
    private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();
    private static volatile KernelBundles system;

    private final List<KernelBundle> bundles = new CopyOnWriteArrayList<>();
    private final Set<String> origins = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<KernelKey, byte[]> verified = new ConcurrentHashMap<>();
    private final Set<KernelKey> refused = ConcurrentHashMap.newKeySet();
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong misses = new AtomicLong();
    private final AtomicLong refusals = new AtomicLong();

    /** A set of already opened bundles (tests, tools). */
    public KernelBundles(List<KernelBundle> opened) {
        for (KernelBundle b : opened) {
            if (origins.add(b.origin())) {
                bundles.add(b);
            }
        }
    }

    public static KernelBundles none() {
        return new KernelBundles(List.of());
    }

    /**
     * The process-wide set: the configured bundles and those on the class path (this class's loader and the
     * thread's context loader), opened on first use; refused ones are logged once and left out.
     */
    public static KernelBundles system() {
        KernelBundles s = system;
        if (s == null) {
            synchronized (KernelBundles.class) {
                s = system;
                if (s == null) {
                    s = new KernelBundles(List.of());
                    for (String p : configuredPaths(System.getProperty(PROPERTY), System.getenv(ENV))) {
                        s.add(Path.of(p));
                    }
                    s.addFromClassPath(Thread.currentThread().getContextClassLoader());
                    s.addFromClassPath(KernelBundles.class.getClassLoader());
                    system = s;
                }
            }
        }
        return s;
    }

    /** The configured paths: the property if set, else the environment variable; split on ',' and the path separator. */
    static List<String> configuredPaths(String property, String env) {
        String v = property != null && !property.isBlank() ? property : env;
        List<String> out = new ArrayList<>();
        if (v != null) {
            for (String p : v.split("[," + File.pathSeparator + "]")) {
                if (!p.isBlank()) {
                    out.add(p.strip());
                }
            }
        }
        return out;
    }

    /** Opens and adds the bundle at {@code jar} unless it is already here; a refused one is logged once. Returns whether it was added. */
    public boolean add(Path jar) {
        String origin = jar.toString();
        if (origins.contains(origin)) {
            return false;
        }
        try {
            return add(KernelBundle.open(jar));
        } catch (BundleRefusedException e) {
            warnOnce("refused:" + origin, "kernel bundle {} refused, not used: {}", origin, e.getMessage());
            return false;
        }
    }

    /** Adds an opened bundle unless one from the same place is here. */
    public boolean add(KernelBundle b) {
        if (!origins.add(b.origin())) {
            b.close();
            return false;
        }
        bundles.add(b);
        LOG.info("kernel bundle {}: {} kernels for {}, built by e3spark {} with {}", b.origin(), b.manifest().entries().size(),
                b.archs(), b.manifest().e3sparkVersion(), new TreeSet<>(b.manifest().compilers().values()));
        return true;
    }

    /** Adds every bundle {@code loader} sees on its class path. */
    public void addFromClassPath(ClassLoader loader) {
        if (loader == null) {
            return;
        }
        Enumeration<URL> urls;
        try {
            urls = loader.getResources(KernelBundle.MANIFEST);
        } catch (IOException e) {
            warnOnce("classpath:" + e, "cannot list kernel bundles on the class path: {}", e.toString());
            return;
        }
        for (URL url : Collections.list(urls)) {
            String origin = url.toString();
            if (origins.contains(origin) || alreadyOpenedAsFile(url)) {
                continue;
            }
            try {
                add(KernelBundle.open(url));
            } catch (BundleRefusedException e) {
                warnOnce("refused:" + origin, "kernel bundle {} refused, not used: {}", origin, e.getMessage());
            }
        }
    }

    private boolean alreadyOpenedAsFile(URL manifestUrl) {
        String s = manifestUrl.toString();
        if (s.startsWith("jar:file:") && s.contains("!/")) {
            try {
                String file = Path.of(new java.net.URI(s.substring(4, s.indexOf("!/")))).toString();
                return origins.contains(file);
            } catch (java.net.URISyntaxException | IllegalArgumentException e) {
                return false;
            }
        }
        return false;
    }

    public boolean isEmpty() {
        return bundles.isEmpty();
    }

    public List<KernelBundle> bundles() {
        return List.copyOf(bundles);
    }

    /** Every architecture some bundle covers, CUDA by number then AMD. */
    public List<String> archs() {
        Set<BundleTarget> t = new TreeSet<>();
        Set<String> other = new TreeSet<>();
        for (KernelBundle b : bundles) {
            for (String a : b.archs()) {
                try {
                    t.add(BundleTarget.of(a));
                } catch (IllegalArgumentException e) {
                    other.add(a);
                }
            }
        }
        List<String> out = new ArrayList<>(t.stream().map(BundleTarget::arch).toList());
        out.addAll(other);
        return out;
    }

    /**
     * The verified binary of a kernel from the first bundle that holds it, or null: no bundle holds it (logged
     * once per program and architecture) or the entry was refused (logged once; the caller compiles instead).
     */
    public byte[] find(String programName, String source, String arch, List<String> options) {
        if (bundles.isEmpty()) {
            return null;
        }
        boolean archCovered = false;
        boolean wasRefused = false;
        for (KernelBundle b : bundles) {
            KernelKey key = b.keyOf(source, arch, options);
            if (key == null) {
                continue;
            }
            archCovered = true;
            byte[] known = verified.get(key);
            if (known != null) {
                hits.incrementAndGet();
                return known;
            }
            if (refused.contains(key)) {
                wasRefused = true;
                continue;
            }
            KernelBundle.Lookup l = b.find(source, arch, options);
            if (l.hit()) {
                verified.putIfAbsent(key, l.code());
                hits.incrementAndGet();
                LOG.debug("kernel {} for {} from bundle {}", programName, arch, b.origin());
                return verified.get(key);
            }
            if (l.refused() != null) {
                wasRefused = true;
                refused.add(key);
                refusals.incrementAndGet();
                warnOnce("entry:" + key, "kernel bundle {}: {} for {} refused ({}); compiling it instead", b.origin(),
                        programName, arch, l.refused());
            }
        }
        misses.incrementAndGet();
        if (!archCovered) {
            warnOnce("arch:" + arch, "kernel bundles {} have no kernels for this device's {} (they cover {}); kernels are "
                    + "compiled here", origins(), arch, archs());
        } else if (!wasRefused) {
            warnOnce("miss:" + arch + ":" + programName + ":" + KernelKey.of(source, arch, "", options),
                    "kernel {} for {} is in no kernel bundle {} (built for another model or e3spark version?); compiling it",
                    programName, arch, origins());
        }
        return null;
    }

    /**
     * Why a kernel cannot be had when the compiler is unavailable: with no bundle, {@code compilerProblem}
     * itself; for an architecture no bundle covers, a message naming the device's architecture and the
     * bundles'; otherwise the kernel missing from the bundles.
     */
    public String whyUnavailable(String programName, String arch, String compilerProblem) {
        if (bundles.isEmpty()) {
            return compilerProblem;
        }
        List<String> covered = archs();
        if (!covered.contains(arch)) {
            boolean newer = false;
            try {
                BundleTarget device = BundleTarget.of(arch);
                newer = device.isCuda() && covered.stream().map(BundleTarget::of).filter(BundleTarget::isCuda)
                        .allMatch(t -> t.smNumber() < device.smNumber());
            } catch (IllegalArgumentException e) {
                // an architecture the table does not know is newer than every table entry
                newer = arch.startsWith("sm_");
            }
            return "this device is " + arch + (newer ? ", newer than every architecture" : ", not an architecture")
                    + " of the kernel bundle(s) " + origins() + " (they cover " + String.join(", ", covered)
                    + "); a bundle holds CUBIN for exact architectures and no PTX, and there is no compiler here to build "
                    + arch + " kernels (" + compilerProblem + "). Rebuild the bundle with --arch " + String.join(",", covered)
                    + "," + arch + ", or make libnvrtc available on this host";
        }
        return "kernel " + programName + " for " + arch + " is in no kernel bundle " + origins()
                + " and there is no compiler here to build it (" + compilerProblem
                + "). Rebuild the bundle for this model and e3spark version, or make libnvrtc available on this host";
    }

    private List<String> origins() {
        return bundles.stream().map(KernelBundle::origin).toList();
    }

    /** Logs once per process that a bundle binary failed to load on the device, then the caller compiles. */
    public void loadFailed(String programName, String arch, RuntimeException e) {
        refusals.incrementAndGet();
        warnOnce("load:" + programName + ":" + arch, "kernel {} for {} from a kernel bundle did not load ({}); compiling it",
                programName, arch, e.toString());
    }

    public long hits() {
        return hits.get();
    }

    public long misses() {
        return misses.get();
    }

    /** Entries refused (hash mismatch, absent, failed to load). */
    public long refusals() {
        return refusals.get();
    }

    private static void warnOnce(String key, String format, Object... args) {
        if (LOGGED.add(key)) {
            LOG.warn(format, args);
        }
    }

    /** Removes everything logged so far from the once-only memory (tests). */
    static void forgetLogged() {
        LOGGED.clear();
    }
}
