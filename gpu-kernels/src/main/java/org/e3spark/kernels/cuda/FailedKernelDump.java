package org.e3spark.kernels.cuda;

import java.util.List;
import org.e3spark.kernels.internal.rtc.FailedSourceDump;

/**
 * Writes a source NVRTC rejected to {@code java.io.tmpdir/e3spark-failed-kernels-<uid>/} as a {@code .cu}
 * file (with the log beside it; see {@link FailedSourceDump}), so the failure can be reproduced with
 * {@code nvcc} away from the executor.
 */
final class FailedKernelDump {

    private FailedKernelDump() {
    }

    static KernelCompileException compileFailure(String source, String programName, String result, String log,
                                                 List<String> options, GpuArch arch) {
        FailedSourceDump.Written w = FailedSourceDump.write(source, programName, ".cu", result, log, options, arch.smName());
        return new KernelCompileException(programName, result, log, options, arch, w.file(), w.problem());
    }
}
