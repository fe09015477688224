package org.e3spark.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.e3spark.data.SampleDataset;
import org.e3spark.data.Structure;
import org.e3spark.kernels.Backend;
import org.e3spark.kernels.ConvGraph;
import org.e3spark.kernels.ConvMode;
import org.e3spark.kernels.DType;
import org.e3spark.kernels.Irreps;
import org.e3spark.kernels.TPProblem;
import org.e3spark.kernels.TPProblems;
import org.e3spark.kernels.TensorProduct;
import org.e3spark.kernels.TensorProductConv;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kryo 5 save/load: round trips give bit-equal outputs; foreign, corrupt, truncated and newer files fail clearly. */
class ModelIoTest {

    static final FeaturizerModel MODEL = FeaturizerModel.seeded(FeaturizerConfig.bundled("featurizer-small"));

    @Test
    void modelRoundTripGivesBitEqualOutputs(@TempDir Path dir) {
        Path file = dir.resolve("model.e3k");
        ModelIo.save(MODEL, file);
        FeaturizerModel loaded = ModelIo.load(file);
        assertEquals(MODEL, loaded);
        assertEquals(MODEL.fingerprint(), loaded.fingerprint());
        List<Structure> sample = SampleDataset.load();
        for (DType dtype : DType.values()) {
            try (Featurizer a = Featurizer.create(MODEL, ComputeTarget.cpu(), dtype);
                 Featurizer b = Featurizer.create(loaded, ComputeTarget.cpu(), dtype)) {
                FeaturizerResult ra = a.featurize(sample, true);
                FeaturizerResult rb = b.featurize(sample, true);
                assertArrayEquals(ra.atomFeatures(), rb.atomFeatures(), 0.0);
                assertArrayEquals(ra.structureFeatures(), rb.structureFeatures(), 0.0);
                assertArrayEquals(ra.forcesOrNull(), rb.forcesOrNull(), 0.0);
            }
        }
    }

    @Test
    void tensorProductAndConvolutionRoundTripsRecreateKernels() {
        TPProblem problem = TPProblems.channelwise(Irreps.parse("4x0e+3x1o"), Irreps.parse("0e+1o+2e"),
                Irreps.parse("0e+1o+2e")).toBuilder().in1Variances(1.0, 2.0).build();
        SplittableRandom rng = new SplittableRandom(5);
        int batch = 13;
        double[] x = rng.doubles(batch * problem.in1().dim(), -1, 1).toArray();
        double[] y = rng.doubles(batch * problem.in2().dim(), -1, 1).toArray();
        double[] w = rng.doubles(batch * problem.weightNumel(), -1, 1).toArray();
        try (TensorProduct tp = TensorProduct.create(problem, Backend.CPU, DType.FLOAT64);
             TensorProduct back = ModelIo.tensorProductFromBytes(ModelIo.toBytes(tp), "mem", null)) {
            assertEquals(problem, back.problem());
            assertEquals(Backend.CPU, back.backend());
            assertArrayEquals(tp.forward(x, y, w, batch), back.forward(x, y, w, batch), 0.0);
        }
        ConvGraph g = ConvGraph.of(new int[] {0, 1, 2, 2, 4}, new int[] {1, 0, 0, 3, 3}, 5);
        double[] xn = rng.doubles(5 * problem.in1().dim(), -1, 1).toArray();
        double[] ye = rng.doubles(5 * problem.in2().dim(), -1, 1).toArray();
        double[] we = rng.doubles(5 * problem.weightNumel(), -1, 1).toArray();
        try (TensorProductConv conv = TensorProductConv.create(problem, Backend.CPU, DType.FLOAT64, ConvMode.DETERMINISTIC);
             TensorProductConv back = ModelIo.convFromBytes(ModelIo.toBytes(conv), "mem", Backend.CPU_REFERENCE)) {
            assertEquals(ConvMode.DETERMINISTIC, back.mode());
            assertEquals(Backend.CPU_REFERENCE, back.backend());
            assertArrayEquals(conv.forward(xn, ye, we, g), back.forward(xn, ye, we, g), 1e-12);
        }
    }

    @Test
    void foreignFileIsRefusedByItsMagic() {
        byte[] foreign = "PAR1 this is a parquet file, honestly".getBytes(StandardCharsets.US_ASCII);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelIo.fromBytes(foreign, "x.parquet"));
        assertTrue(e.getMessage().contains("not an e3spark Kryo file") && e.getMessage().contains("PAR1"), e.getMessage());
        assertThrows(ModelFormatException.class, () -> ModelIo.fromBytes(new byte[3], "tiny"));
    }

    @Test
    void corruptTruncatedNewerAndWrongKindFilesFailClearly() {
        byte[] good = ModelIo.toBytes(MODEL);
        byte[] flipped = good.clone();
        flipped[flipped.length / 2] ^= 0x10;
        assertTrue(assertThrows(ModelFormatException.class, () -> ModelIo.fromBytes(flipped, "f"))
                .getMessage().contains("corrupt"));
        byte[] cut = Arrays.copyOf(good, good.length - 100);
        assertTrue(assertThrows(ModelFormatException.class, () -> ModelIo.fromBytes(cut, "f"))
                .getMessage().contains("truncated"));
        byte[] cutHeader = Arrays.copyOf(good, 10);
        assertTrue(assertThrows(ModelFormatException.class, () -> ModelIo.fromBytes(cutHeader, "f"))
                .getMessage().contains("truncated"));
        byte[] newer = good.clone();
        newer[11] = 9; // version int32 at bytes 8..11
        assertTrue(assertThrows(ModelFormatException.class, () -> ModelIo.fromBytes(newer, "f"))
                .getMessage().contains("version 9"));
        try (TensorProduct tp = TensorProduct.create(TPProblems.channelwise(Irreps.parse("2x0e"), Irreps.parse("0e"),
                Irreps.parse("0e")), Backend.CPU, DType.FLOAT32)) {
            byte[] tpBytes = ModelIo.toBytes(tp);
            assertTrue(assertThrows(ModelFormatException.class, () -> ModelIo.fromBytes(tpBytes, "f"))
                    .getMessage().contains("holds a tensor-product"));
        }
    }
}
