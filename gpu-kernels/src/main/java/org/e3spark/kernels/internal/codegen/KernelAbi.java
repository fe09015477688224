package org.e3spark.kernels.internal.codegen;

/**
 * The calling contract of every generated kernel (documentation only).
 *
 * <p>Types: {@code T} is {@code float} or {@code double} as generated. Every array is row-major
 * with batch rows outermost, rows of the irreps' dimension in the problem's layout ({@code mul_ir}
 * or {@code ir_mul}); weights are e3nn's flat vector, {@code weightNumel} per row, or one vector for
 * the batch when the problem's weights are shared. Pointers must be 16-byte aligned (any
 * cudaMalloc/hipMalloc base is) and must not alias. Launch: 1-D, block and dynamic shared memory
 * from the entry's {@link LaunchConfig}, grid {@link LaunchConfig#gridFor(long)}.
 *
 * <ul>
 *   <li>{@code tp_forward(const T* x, const T* y, const T* w, T* out, int batch)}: writes every
 *       element of {@code out}, zeros where no instruction reaches; no pre-zeroing.
 *   <li>{@code tp_forward_acc(x, y, w, out, batch)}: {@code out += TP(x, y, w)}.
 *   <li>{@code tp_forward_wtan_acc(x, y, c, out, batch)}: {@code out += TP(x, y, c)} summed over the
 *       weighted instructions only ({@code c} is a weight tangent, weightless paths drop out).
 *   <li>{@code tp_backward(const T* x, const T* y, const T* w, const T* gout, T* gx, T* gy, T* gw,
 *       int batch)}: writes every element of {@code gx} and {@code gy}; per-row {@code gw} written
 *       fully; shared {@code gw} is accumulated with atomics (one per element per block), so the
 *       caller zeroes it first (the entry's {@code zeroFirst} says {@code "gw"}). No second
 *       reduction kernel is needed. Any of gx, gy, gw may be null: that gradient is not stored.
 *   <li>{@code tp_backward_acc(...)}: same signature, every gradient added into its buffer.
 *   <li>{@code tp_backward_wtan_acc(x, y, c, gout, gx, gy, gw, batch)}: {@code gx, gy +=} the
 *       backward over weighted instructions only, with {@code c} as the weights; {@code gw} is
 *       ignored (pass null).
 * </ul>
 *
 * <p>Double backward (SPEC §5) with seeds (a, b, c) and gradient g, all outputs zeroed first:
 * <pre>
 *   tp_backward_acc(a, b, W, g, ddx, ddy, null)      // ddx += bwd_x(b,W,g), ddy += bwd_y(a,W,g)
 *   tp_backward_wtan_acc(x, y, c, g, ddx, ddy, null) // ddx += bwd_x(y,c,g), ddy += bwd_y(x,c,g)
 *   tp_backward_acc(a, y, W, g, null, null, ddW)     // ddW += bwd_W(a,y,g)
 *   tp_backward_acc(x, b, W, g, null, null, ddW)     // ddW += bwd_W(x,b,g)
 *   tp_forward_acc(a, y, W, ddg); tp_forward_acc(x, b, W, ddg); tp_forward_wtan_acc(x, y, c, ddg)
 * </pre>
 */
public final class KernelAbi {

    private KernelAbi() {
    }
}
