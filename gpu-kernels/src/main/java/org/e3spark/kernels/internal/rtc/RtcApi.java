package org.e3spark.kernels.internal.rtc;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.List;
import java.util.function.Function;

/**
 * The program protocol NVRTC and hiprtc share, bound with {@code java.lang.foreign}: the two C APIs
 * have the same shape under different prefixes ({@code nvrtcCreateProgram} / {@code
 * hiprtcCreateProgram}, ...), differing only in the names of the two "get the binary" functions.
 * {@link #compile} creates a program, compiles it, reads log and binary, and destroys the program
 * in a {@code finally}; every temporary native string lives in a confined arena closed by
 * try-with-resources. Thread-safe: programs are independent and each call has its own arena.
 */
public final class RtcApi {

    private static final int SUCCESS = 0;

    /** Makes the exception for a failed API call other than the compilation itself. */
    @FunctionalInterface
    public interface Failure {
        RuntimeException of(String api, int result, String errorString);
    }

    /** The compiler's own version. */
    public record Version(int major, int minor) {
        @Override
        public String toString() {
            return major + "." + minor;
        }
    }

    /** What one compile gave: the result code and its name, the log, and the binary if it succeeded. */
    public static final class Outcome {
        private final int result;
        private final String resultName;
        private final String log;
        private final byte[] code;

        Outcome(int result, String resultName, String log, byte[] code) {
            this.result = result;
            this.resultName = resultName;
            this.log = log;
            this.code = code;
        }

        public boolean succeeded() {
            return result == SUCCESS;
        }

        public int result() {
            return result;
        }

        /** The result code in the compiler's words, e.g. {@code HIPRTC_ERROR_COMPILATION}. */
        public String resultName() {
            return resultName;
        }

        public String log() {
            return log;
        }

        /** A copy of the binary; empty when the compile failed. */
        public byte[] code() {
            return code.clone();
        }
    }

    private final String prefix;
    private final Failure failure;
    private final MethodHandle getErrorString;
    private final MethodHandle createProgram;
    private final MethodHandle compileProgram;
    private final MethodHandle getProgramLogSize;
    private final MethodHandle getProgramLog;
    private final MethodHandle getCodeSize;
    private final MethodHandle getCode;
    private final MethodHandle destroyProgram;
    private final MethodHandle version;
    private final String codeSizeSymbol;
    private final String codeSymbol;

    /**
     * Binds {@code <prefix>GetErrorString}, {@code CreateProgram}, {@code CompileProgram},
     * {@code GetProgramLogSize}, {@code GetProgramLog}, {@code DestroyProgram}, {@code Version} and
     * the two binary getters named in full.
     *
     * @param missing makes the exception for a symbol the library lacks (a too old library)
     * @param failure makes the exception for a failed call
     */
    public RtcApi(SymbolLookup lib, String prefix, String codeSizeSymbol, String codeSymbol,
                  Function<String, RuntimeException> missing, Failure failure) {
        this.prefix = prefix;
        this.failure = failure;
        this.codeSizeSymbol = codeSizeSymbol;
        this.codeSymbol = codeSymbol;
        Linker linker = Linker.nativeLinker();
        FunctionDescriptor progAndPtr = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
        this.getErrorString = bind(linker, lib, prefix + "GetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT), missing);
        this.createProgram = bind(linker, lib, prefix + "CreateProgram",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS), missing);
        this.compileProgram = bind(linker, lib, prefix + "CompileProgram",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS), missing);
        this.getProgramLogSize = bind(linker, lib, prefix + "GetProgramLogSize", progAndPtr, missing);
        this.getProgramLog = bind(linker, lib, prefix + "GetProgramLog", progAndPtr, missing);
        this.getCodeSize = bind(linker, lib, codeSizeSymbol, progAndPtr, missing);
        this.getCode = bind(linker, lib, codeSymbol, progAndPtr, missing);
        this.destroyProgram = bind(linker, lib, prefix + "DestroyProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS), missing);
        this.version = bind(linker, lib, prefix + "Version", progAndPtr, missing);
    }

    /** {@code <prefix>Version}. */
    public Version version() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment major = arena.allocate(JAVA_INT);
            MemorySegment minor = arena.allocate(JAVA_INT);
            check((int) version.invokeExact(major, minor), prefix + "Version");
            return new Version(major.get(JAVA_INT, 0), minor.get(JAVA_INT, 0));
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(prefix + " downcall failed", t);
        }
    }

    /**
     * Compiles {@code source} with exactly {@code options}. A source that does not compile is an
     * {@link Outcome} that did not succeed (with the log), not an exception; a failure of any other
     * call throws the {@link Failure}'s exception. The program is always destroyed.
     */
    public Outcome compile(String source, String programName, List<String> options) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment programOut = arena.allocate(ADDRESS);
            check((int) createProgram.invokeExact(programOut, arena.allocateFrom(source),
                    arena.allocateFrom(programName), 0, MemorySegment.NULL, MemorySegment.NULL), prefix + "CreateProgram");
            MemorySegment program = programOut.get(ADDRESS, 0);
            try {
                MemorySegment optionArray = arena.allocate(ADDRESS, Math.max(1, options.size()));
                for (int i = 0; i < options.size(); i++) {
                    optionArray.setAtIndex(ADDRESS, i, arena.allocateFrom(options.get(i)));
                }
                int result = (int) compileProgram.invokeExact(program, options.size(), optionArray);
                String log = readLog(arena, program);
                if (result != SUCCESS) {
                    return new Outcome(result, errorString(result), log, new byte[0]);
                }
                MemorySegment size = arena.allocate(JAVA_LONG);
                check((int) getCodeSize.invokeExact(program, size), codeSizeSymbol);
                long n = size.get(JAVA_LONG, 0);
                MemorySegment code = arena.allocate(Math.max(1, n));
                check((int) getCode.invokeExact(program, code), codeSymbol);
                return new Outcome(result, errorString(result), log, code.asSlice(0, n).toArray(JAVA_BYTE));
            } finally {
                check((int) destroyProgram.invokeExact(programOut), prefix + "DestroyProgram");
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(prefix + " downcall failed", t);
        }
    }

    private String readLog(Arena arena, MemorySegment program) throws Throwable {
        MemorySegment size = arena.allocate(JAVA_LONG);
        check((int) getProgramLogSize.invokeExact(program, size), prefix + "GetProgramLogSize");
        long n = size.get(JAVA_LONG, 0);
        if (n <= 1) {
            return "";
        }
        // one byte more than asked for, zeroed: hiprtc 5.x counts the log without its terminating NUL
        MemorySegment log = arena.allocate(n + 1);
        check((int) getProgramLog.invokeExact(program, log), prefix + "GetProgramLog");
        return log.getString(0);
    }

    /** Throws the {@link Failure}'s exception unless {@code result} is success. */
    public void check(int result, String api) {
        if (result != SUCCESS) {
            throw failure.of(api, result, errorString(result));
        }
    }

    /** {@code <prefix>GetErrorString}, or a plain description when the library has no words for it. */
    public String errorString(int result) {
        try {
            MemorySegment s = (MemorySegment) getErrorString.invokeExact(result);
            return s.equals(MemorySegment.NULL) ? prefix + "Result " + result : s.reinterpret(256).getString(0);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(prefix + "GetErrorString downcall failed", t);
        }
    }

    private static MethodHandle bind(Linker linker, SymbolLookup lib, String name, FunctionDescriptor fd,
                                     Function<String, RuntimeException> missing) {
        MemorySegment symbol = lib.find(name).orElseThrow(() -> missing.apply(name));
        return linker.downcallHandle(symbol, fd);
    }
}
