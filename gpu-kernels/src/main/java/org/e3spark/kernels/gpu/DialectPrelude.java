package org.e3spark.kernels.gpu;

import org.e3spark.kernels.DType;

/**
 * The per-dialect definitions that kernel bodies call: the floating type and its vector types,
 * the dynamic shared-memory declaration, the warp barrier, the butterfly shuffle and atomic add.
 * This is the only text that differs between a CUDA and a HIP rendering of one schedule; the HIP
 * warp barrier is a real wavefront barrier with release/acquire fences around it, never a fence alone.
 * The HIP prelude also makes the compiler refuse a wavefront size other than the planned warp
 * width ({@code __AMDGCN_WAVEFRONT_SIZE}), so a wave64 plan can never be built as wave32 code or
 * the reverse; and it includes {@code hip_runtime.h} only outside hiprtc, which predefines the
 * runtime's declarations and has no such header.
 */
public final class DialectPrelude {

    private DialectPrelude() {
    }

    public static String render(GpuTarget.Dialect dialect, DType dtype, int warpWidth) {
        String real = dtype == DType.FLOAT64 ? "double" : "float";
        SourceWriter w = new SourceWriter();
        w.comment("---- dialect prelude: " + dialect + ", " + real + ", warp width " + warpWidth + " ----");
        switch (dialect) {
            case CUDA -> {
                w.line("typedef " + real + " tp_real;");
                w.line("typedef " + real + "2 tp_vec2;");
                if (dtype == DType.FLOAT32) {
                    w.line("typedef float4 tp_vec4;");
                }
                w.line("#define TP_DYNAMIC_SMEM(name) extern __shared__ __align__(16) tp_real name[]");
                w.line("__device__ __forceinline__ void tp_warp_sync() { __syncwarp(); }");
                w.line("__device__ __forceinline__ void tp_block_sync() { __syncthreads(); }");
                w.line("__device__ __forceinline__ tp_real tp_shfl_xor(tp_real v, int mask) "
                        + "{ return __shfl_xor_sync(0xffffffffu, v, mask); }");
                w.line("__device__ __forceinline__ void tp_atomic_add(tp_real* p, tp_real v) { atomicAdd(p, v); }");
            }
            case HIP -> {
                w.comment("hiprtc provides the HIP runtime declarations itself and has no hip_runtime.h to include.");
                w.line("#if !defined(__HIPCC_RTC__)");
                w.line("#include <hip/hip_runtime.h>");
                w.line("#endif");
                w.comment("Lane arithmetic below is planned for " + warpWidth + "-wide wavefronts: refuse any other width.");
                w.line("#if defined(__HIP_DEVICE_COMPILE__) && (!defined(__AMDGCN_WAVEFRONT_SIZE) "
                        + "|| __AMDGCN_WAVEFRONT_SIZE != " + warpWidth + ")");
                w.line("#error \"kernels planned for " + warpWidth + "-wide wavefronts: compile with that wavefront size\"");
                w.line("#endif");
                w.line("typedef " + real + " tp_real;");
                w.line("typedef " + real + "2 tp_vec2;");
                if (dtype == DType.FLOAT32) {
                    w.line("typedef float4 tp_vec4;");
                }
                w.line("#define TP_DYNAMIC_SMEM(name) extern __shared__ __attribute__((aligned(16))) tp_real name[]");
                w.comment("A wavefront barrier: order this wave's LDS accesses, then wait for all its lanes.");
                w.open("__device__ __forceinline__ void tp_warp_sync()");
                w.line("__builtin_amdgcn_fence(__ATOMIC_RELEASE, \"wavefront\");");
                w.line("__builtin_amdgcn_wave_barrier();");
                w.line("__builtin_amdgcn_fence(__ATOMIC_ACQUIRE, \"wavefront\");");
                w.close();
                w.line("__device__ __forceinline__ void tp_block_sync() { __syncthreads(); }");
                w.line("__device__ __forceinline__ tp_real tp_shfl_xor(tp_real v, int mask) "
                        + "{ return __shfl_xor(v, mask, " + warpWidth + "); }");
                w.line("__device__ __forceinline__ void tp_atomic_add(tp_real* p, tp_real v) { atomicAdd(p, v); }");
            }
        }
        w.comment("---- end of prelude ----");
        return w.toString();
    }
}
