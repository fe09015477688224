package org.e3spark.kernels.cuda;

import org.e3spark.kernels.gpu.DeviceBuffer;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.TPProblem;

/**
 * Checks of device-resident operands before any launch: each buffer must be open, live on the
 * right device and hold at least rows x dim elements of the dtype. Messages name the operand.
 */
final class BufferChecks {

    private final TPProblem problem;
    private final DType dtype;
    private final long rows;
    private final CudaDevice device;

    BufferChecks(TPProblem problem, DType dtype, long rows, CudaDevice device) {
        this.problem = problem;
        this.dtype = dtype;
        this.rows = rows;
        this.device = device;
    }

    BufferChecks input(String name, DeviceBuffer b, int dim) {
        return require(name, b, rows * dim, false);
    }

    BufferChecks output(String name, DeviceBuffer b, int dim) {
        return require(name, b, rows * dim, false);
    }

    BufferChecks optionalOutput(String name, DeviceBuffer b, int dim) {
        return require(name, b, rows * dim, true);
    }

    /** Weights: weightNumel elements when shared, rows x weightNumel otherwise. */
    BufferChecks weights(String name, DeviceBuffer b) {
        return require(name, b, weightElements(), false);
    }

    BufferChecks optionalWeights(String name, DeviceBuffer b) {
        return require(name, b, weightElements(), true);
    }

    private long weightElements() {
        return problem.sharedWeights() ? problem.weightNumel() : rows * problem.weightNumel();
    }

    private BufferChecks require(String name, DeviceBuffer b, long elements, boolean optional) {
        if (b == null) {
            if (optional || elements == 0) {
                return this;
            }
            throw new IllegalArgumentException(name + " must not be null: it needs " + elements + " "
                    + dtype + " elements for " + problem);
        }
        if (b.isClosed()) {
            throw new IllegalArgumentException(name + " is a closed device buffer");
        }
        if (b.device() != device) {
            throw new IllegalArgumentException(name + " lives on CUDA device " + b.device().ordinal()
                    + " but this tensor product runs on device " + device.ordinal());
        }
        long needed = elements * dtype.bytes();
        if (b.byteSize() < needed) {
            throw new IllegalArgumentException(name + " holds " + b.byteSize() + " bytes; needs " + elements + " x "
                    + dtype.bytes() + " = " + needed + " for " + problem);
        }
        return this;
    }
}
