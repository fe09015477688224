package org.e3spark.kernels.cuda;

import java.util.List;

/** Hand-written CUDA kernels that exercise the runtime layer (not generated code). */
final class TestKernels {

    static final List<String> OPTIONS = List.of("-default-device", "--std=c++17");

    static final String SOURCE = """
            // Test kernels for the e3spark CUDA runtime layer.
            extern "C" __global__ void axpy_f32(int n, float a, const float* x, const float* y, float* out) {
                int i = blockIdx.x * blockDim.x + threadIdx.x;
                if (i < n) {
                    out[i] = a * x[i] + y[i];
                }
            }

            extern "C" __global__ void axpy_f64(long long n, double a, const double* x, const double* y,
                                                double* out) {
                long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x;
                if (i < n) {
                    out[i] = a * x[i] + y[i];
                }
            }

            // Busy-waits for ns nanoseconds of GPU time, then writes value.
            extern "C" __global__ void spin(long long ns, int* out, int value) {
                unsigned long long start;
                unsigned long long now;
                asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(start));
                do {
                    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(now));
                } while ((long long) (now - start) < ns);
                if (threadIdx.x == 0) {
                    out[blockIdx.x] = value;
                }
            }

            // Reverses n floats through dynamic shared memory (n * 4 bytes of it).
            extern "C" __global__ void reverse_through_smem(int n, const float* in, float* out) {
                extern __shared__ float tile[];
                for (int k = threadIdx.x; k < n; k += blockDim.x) {
                    tile[k] = in[k];
                }
                __syncthreads();
                for (int k = threadIdx.x; k < n; k += blockDim.x) {
                    out[k] = tile[n - 1 - k];
                }
            }
            """;

    private TestKernels() {
    }
}
