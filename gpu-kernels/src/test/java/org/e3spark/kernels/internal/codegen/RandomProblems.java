package org.e3spark.kernels.internal.codegen;

import java.util.LinkedHashMap;
import java.util.Map;
import org.e3spark.kernels.ConnectionMode;
import org.e3spark.kernels.Irreps;
import org.e3spark.kernels.Layout;
import org.e3spark.kernels.TPProblem;

/**
 * Small hand-picked problems that cover the generator's corners: uvu and uvw mixed, weightless uvu,
 * in2 multiplicity > 1, multiplicities > 32 and not a multiple of the warp, output blocks reached
 * by several instructions or by none, shared and per-row weights, both layouts.
 */
final class RandomProblems {

    private RandomProblems() {
    }

    static Map<String, TPProblem> all() {
        Map<String, TPProblem> m = new LinkedHashMap<>();
        TPProblem mixed = TPProblem.builder(Irreps.parse("40x0e+7x1o+33x2e"), Irreps.parse("3x0e+2x1o"),
                        Irreps.parse("40x0e+5x1o+33x2e+4x3o+40x1o+6x2o"))
                .instruction(0, 0, 0, ConnectionMode.UVU)
                .instruction(0, 1, 4, ConnectionMode.UVU, false, 1.0)
                .instruction(1, 1, 0, ConnectionMode.UVW)
                .instruction(1, 0, 1, ConnectionMode.UVW)
                .instruction(2, 1, 1, ConnectionMode.UVW)
                .instruction(2, 0, 2, ConnectionMode.UVU)
                .instruction(2, 1, 5, ConnectionMode.UVW, true, 0.5)
                .build(); // block 3 (4x3o) is reached by nothing
        m.put("mixed_perrow", mixed);
        m.put("mixed_shared", mixed.withSharedWeights(true));
        m.put("mixed_perrow_irmul", mixed.withLayout(Layout.IR_MUL));
        m.put("mixed_shared_irmul", mixed.withSharedWeights(true).withLayout(Layout.IR_MUL));
        TPProblem wide = TPProblem.builder(Irreps.parse("70x1o+65x0e"), Irreps.parse("2x1o+1x2e"),
                        Irreps.parse("70x1e+65x1o+70x2o+3x0e"))
                .instruction(0, 0, 0, ConnectionMode.UVU, false, 1.0)
                .instruction(0, 1, 2, ConnectionMode.UVU)
                .instruction(1, 0, 1, ConnectionMode.UVU)
                .instruction(0, 0, 3, ConnectionMode.UVW)
                .instruction(0, 0, 0, ConnectionMode.UVU)
                .build();
        m.put("wide_perrow", wide);
        m.put("wide_shared_irmul", wide.withSharedWeights(true).withLayout(Layout.IR_MUL));
        TPProblem high = TPProblem.builder(Irreps.parse("8x3o+5x4e"), Irreps.parse("1x3o+2x2e"),
                        Irreps.parse("8x0e+8x6e+5x5o+9x1o"))
                .instruction(0, 0, 0, ConnectionMode.UVU)
                .instruction(0, 0, 1, ConnectionMode.UVU)
                .instruction(1, 0, 2, ConnectionMode.UVW)
                .instruction(0, 1, 3, ConnectionMode.UVW)
                .instruction(1, 1, 1, ConnectionMode.UVW)
                .build();
        m.put("high_l_perrow", high);
        return m;
    }
}
