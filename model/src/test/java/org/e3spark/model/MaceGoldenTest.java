package org.e3spark.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.e3spark.kernels.DType;
import org.e3spark.model.internal.mace.MaceNetwork;
import org.e3spark.model.internal.mace.MaceStateDict;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every mace_model golden, stage by stage and end to end, float64 and float32. */
class MaceGoldenTest {

    @TempDir
    static Path tmp;

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String f : MaceGoldens.FOLDERS) {
            for (String c : MaceGoldens.CASES) {
                out.add(Arguments.of(f, c));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{1} {0}")
    @MethodSource("cases")
    void everyStageMatchesTheGoldensIntermediates(String folder, String name) {
        MaceGoldens.Case c = MaceGoldens.load(folder, name, tmp);
        MaceModel model = c.model();
        try (MaceNetwork net = MaceStateDict.bind(model.config(), MaceGoldens.stateDict(c), name, DType.FLOAT64)) {
            MaceNetwork.Result r = net.evaluate(c.goldenGraph(model.atomicNumbers()), false, true);
            StringBuilder report = new StringBuilder();
            double worst = 0;
            for (var e : r.intermediates().entrySet()) {
                double[] ref = c.intermediate(e.getKey());
                if (ref == null) {
                    report.append(e.getKey()).append(": not in golden\n");
                    continue;
                }
                double err = MaceGoldens.relError(e.getValue(), ref);
                worst = Math.max(worst, err);
                report.append(String.format("%-22s %.3e%n", e.getKey(), err));
            }
            double eErr = MaceGoldens.relError(r.nodeEnergy(), c.doubles("node_energy"));
            report.append(String.format("%-22s %.3e%n", "node_energy", eErr));
            System.out.println(c + "\n" + report);
            assertTrue(worst <= 1e-10 && eErr <= 1e-10, c + "\n" + report);
        }
    }
}
