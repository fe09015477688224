package org.e3spark.kernels.gpu;

import org.e3spark.kernels.cuda.CudaDevice;
import org.e3spark.kernels.cuda.Nvrtc;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.e3spark.kernels.BackendUnavailableException;

/**
 * A test that needs a CUDA GPU and NVRTC: tagged {@code gpu} (CI excludes the tag) and skipped
 * visibly, with the reason, where there is none. With {@code -De3spark.test.requireGpu=true} (or
 * {@code E3SPARK_REQUIRE_GPU=1}), as on the GPU machine, it is never skipped: a missing GPU fails it.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag("gpu")
@ExtendWith(GpuTest.Condition.class)
public @interface GpuTest {

    final class Condition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            if (Boolean.getBoolean("e3spark.test.requireGpu") || "1".equals(System.getenv("E3SPARK_REQUIRE_GPU"))) {
                return ConditionEvaluationResult.enabled("GPU required: a missing GPU fails the test");
            }
            try {
                CudaDevice.count();
                Nvrtc.system();
                return ConditionEvaluationResult.enabled("CUDA and NVRTC present");
            } catch (BackendUnavailableException e) {
                return ConditionEvaluationResult.disabled("no usable GPU: " + e.getMessage());
            }
        }
    }
}
