package org.e3spark.kernels.hip;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import org.e3spark.kernels.internal.rtc.NativeLibrarySearch;
import org.e3spark.kernels.internal.rtc.NativeLibrarySearch.Candidate;

/**
 * Which AMD GPUs this process can see, through the HIP runtime ({@code libamdhip64}) bound with
 * {@code java.lang.foreign}: {@code hipGetDeviceCount}, then per device a few
 * {@code hipDeviceGetAttribute} integers. Nothing here runs a kernel; it only says, as a typed
 * {@link HipUnavailableException}, why there is no AMD GPU (no runtime, no device), or what there is.
 *
 * <p>ABI note: {@code hipDeviceProp_t} changed layout in ROCm 6 ({@code hipGetDeviceProperties}
 * must then be bound as {@code hipGetDevicePropertiesR0600}), so this class reads attributes
 * instead. The attribute numbers below are those of {@code hipDeviceAttribute_t} in ROCm 5.2
 * through 5.5 headers (checked against Debian's {@code libamdhip64-dev} 5.2.3); the AMD-specific ones
 * are anchored at 10000. The gfx processor name is not an integer attribute: the runtime's
 * {@code gcnArch} number (e.g. 910 for gfx90a) is reported as is.
 */
public final class HipDevices {

    public static final String PROPERTY = "e3spark.hip.library";
    public static final String ENV = "E3SPARK_HIP_LIBRARY";
    /** Sonames of the HIP runtime, tried in order. */
    public static final List<String> SONAMES = List.of("libamdhip64.so", "libamdhip64.so.6", "libamdhip64.so.5");

    static final int HIP_SUCCESS = 0;
    static final int HIP_ERROR_NO_DEVICE = 100;
    static final int ATTR_MULTIPROCESSOR_COUNT = 63;
    static final int ATTR_MAX_SHARED_MEMORY_PER_BLOCK = 74;
    static final int ATTR_WARP_SIZE = 87;
    static final int ATTR_GCN_ARCH = 10003;

    /**
     * One AMD GPU as the runtime reports it.
     *
     * @param gcnArch the runtime's architecture number: 100 x major + 10 x minor + stepping (910 = gfx90a)
     */
    public record Device(int ordinal, int gcnArch, int computeUnits, int wavefrontSize, int maxSharedMemoryPerBlock) {
        @Override
        public String toString() {
            return "AMD GPU " + ordinal + ": gcnArch " + gcnArch + ", " + computeUnits + " CUs, wave" + wavefrontSize
                    + ", " + maxSharedMemoryPerBlock / 1024 + " KiB LDS per block";
        }
    }

    private HipDevices() {
    }

    /** Every candidate for the HIP runtime library, for a configured file (may be null) and a ROCM_PATH (may be null). */
    public static List<Candidate> candidates(String configured, String rocmPath) {
        return RocmPaths.candidates(configured, rocmPath, SONAMES);
    }

    /**
     * The AMD GPUs visible to this process, at least one.
     *
     * @throws HipUnavailableException when the HIP runtime is missing, reports no device, or fails
     */
    public static List<Device> list() {
        return list(candidates(NativeLibrarySearch.configured(PROPERTY, ENV), System.getenv("ROCM_PATH")));
    }

    /** As {@link #list()}, searching {@code candidates} for the runtime. */
    public static List<Device> list(List<Candidate> candidates) {
        NativeLibrarySearch.Opened opened = NativeLibrarySearch.open(candidates, Arena.global(), "hipGetDeviceCount",
                "HIP runtime", failures -> new HipUnavailableException("no AMD GPU: the HIP runtime (libamdhip64) "
                        + "was not found; set -D" + PROPERTY + " or " + ENV + ". Tried, in order:\n  "
                        + String.join("\n  ", failures)));
        Runtime hip = new Runtime(opened.symbols(), candidates.get(opened.index()));
        int count = hip.deviceCount();
        List<Device> devices = new ArrayList<>();
        for (int d = 0; d < count; d++) {
            devices.add(new Device(d, hip.attribute(ATTR_GCN_ARCH, d), hip.attribute(ATTR_MULTIPROCESSOR_COUNT, d),
                    hip.attribute(ATTR_WARP_SIZE, d), hip.attribute(ATTR_MAX_SHARED_MEMORY_PER_BLOCK, d)));
        }
        return List.copyOf(devices);
    }

    /** The few runtime calls this class makes, each result code checked. */
    private static final class Runtime {
        private final Candidate library;
        private final MethodHandle getDeviceCount;
        private final MethodHandle deviceGetAttribute;
        private final MethodHandle getErrorName;

        Runtime(SymbolLookup lib, Candidate library) {
            this.library = library;
            Linker linker = Linker.nativeLinker();
            this.getDeviceCount = linker.downcallHandle(find(lib, "hipGetDeviceCount"), FunctionDescriptor.of(JAVA_INT, ADDRESS));
            this.deviceGetAttribute = linker.downcallHandle(find(lib, "hipDeviceGetAttribute"),
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
            this.getErrorName = linker.downcallHandle(find(lib, "hipGetErrorName"), FunctionDescriptor.of(ADDRESS, JAVA_INT));
        }

        private MemorySegment find(SymbolLookup lib, String name) {
            return lib.find(name).orElseThrow(() -> new HipUnavailableException(
                    "no AMD GPU: the HIP runtime " + library + " has no symbol " + name));
        }

        int deviceCount() {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment n = arena.allocate(JAVA_INT);
                int rc = (int) getDeviceCount.invokeExact(n);
                int count = n.get(JAVA_INT, 0);
                if (rc == HIP_ERROR_NO_DEVICE || (rc == HIP_SUCCESS && count == 0)) {
                    throw new HipUnavailableException("no AMD GPU: hipGetDeviceCount from " + library + " reports "
                            + (rc == HIP_SUCCESS ? "0 devices" : errorName(rc) + " (" + rc + ")"));
                }
                if (rc != HIP_SUCCESS) {
                    throw new HipUnavailableException("no AMD GPU: hipGetDeviceCount from " + library + " failed: "
                            + errorName(rc) + " (" + rc + ")");
                }
                return count;
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("HIP downcall failed", t);
            }
        }

        int attribute(int attribute, int device) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment value = arena.allocate(JAVA_INT);
                int rc = (int) deviceGetAttribute.invokeExact(value, attribute, device);
                if (rc != HIP_SUCCESS) {
                    throw new HipUnavailableException("hipDeviceGetAttribute(" + attribute + ", device " + device
                            + ") failed: " + errorName(rc) + " (" + rc + ")");
                }
                return value.get(JAVA_INT, 0);
            } catch (RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException("HIP downcall failed", t);
            }
        }

        private String errorName(int rc) throws Throwable {
            MemorySegment s = (MemorySegment) getErrorName.invokeExact(rc);
            return s.equals(MemorySegment.NULL) ? "hipError " + rc : s.reinterpret(128).getString(0);
        }
    }
}
