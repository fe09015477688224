package org.e3spark.kernels.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.e3spark.kernels.CgConvention;
import org.e3spark.kernels.Irreps;
import org.e3spark.kernels.SymmetricContractionProblem;

/**
 * One MACE symmetric-contraction golden ({@code golden/mace/e3nn-*}/sc_*): its folder, its file, and the
 * CG convention of the e3nn release MACE ran with when it was recorded.
 */
public record ScGolden(String folder, String file, CgConvention convention) {

    /** Every one, e3nn 0.4.4's (legacy signs, what MACE pins) first, then 0.6.0's. */
    public static List<ScGolden> all() {
        List<ScGolden> all = new ArrayList<>();
        for (String[] f : new String[][] {{"mace/e3nn-0.4.4", "LEGACY_E3NN_044"}, {"mace/e3nn-0.6.0", "E3NN"}}) {
            for (String name : Golden.filesOfKind(f[0], "symmetric_contraction")) {
                all.add(new ScGolden(f[0], name, CgConvention.valueOf(f[1])));
            }
        }
        return all;
    }

    /** The golden's JSON. */
    public JsonNode read() {
        return Golden.read(folder, file);
    }

    /** The problem the golden {@code g} (this one's JSON) was recorded for, in this golden's convention. */
    public SymmetricContractionProblem problem(JsonNode g) {
        return SymmetricContractionProblem.builder(Irreps.parse(g.get("irreps_in").asText()),
                        Irreps.parse(g.get("irreps_out").asText()))
                .correlation(g.get("correlation").asInt())
                .elements(g.get("num_elements").asInt())
                .convention(convention)
                .build();
    }

    @Override
    public String toString() {
        return folder + "/" + file;
    }
}
