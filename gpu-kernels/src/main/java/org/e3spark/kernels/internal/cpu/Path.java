package org.e3spark.kernels.internal.cpu;

import org.e3spark.kernels.ConnectionMode;
import org.e3spark.kernels.Instruction;
import org.e3spark.kernels.Layout;
import org.e3spark.kernels.MulIr;
import org.e3spark.kernels.TPProblem;

/**
 * One instruction resolved to the numbers a CPU loop needs: where each operand block starts in its
 * row, the channel and component strides of the problem's layout, multiplicities, dimensions, the
 * final coefficient and the weight slice.
 */
record Path(ConnectionMode mode, boolean hasWeight, double coefficient,
            int l1, int l2, int lo,
            int m1, int m2, int mo,
            int d1, int d2, int d3,
            int x0, int xu, int xi,
            int y0, int yv, int yj,
            int o0, int ow, int ok,
            int w0) {

    static Path[] of(TPProblem p) {
        Path[] paths = new Path[p.instructions().size()];
        Layout layout = p.layout();
        for (int k = 0; k < paths.length; k++) {
            Instruction ins = p.instruction(k);
            MulIr a = p.in1().get(ins.in1());
            MulIr b = p.in2().get(ins.in2());
            MulIr c = p.out().get(ins.out());
            paths[k] = new Path(ins.mode(), ins.hasWeight(), p.pathCoefficient(k),
                    a.l(), b.l(), c.l(),
                    a.mul(), b.mul(), c.mul(),
                    a.irrep().dim(), b.irrep().dim(), c.irrep().dim(),
                    p.in1().offset(ins.in1()), layout.channelStride(a), layout.componentStride(a),
                    p.in2().offset(ins.in2()), layout.channelStride(b), layout.componentStride(b),
                    p.out().offset(ins.out()), layout.channelStride(c), layout.componentStride(c),
                    p.weightOffset(k));
        }
        return paths;
    }

    /** True when this path has no work (a zero multiplicity somewhere). */
    boolean empty() {
        return m1 == 0 || m2 == 0 || mo == 0;
    }
}
