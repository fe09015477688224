package org.e3spark.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The bundled sample dataset, {@code org/e3spark/data/sample.extxyz} on the classpath: two
 * periodic water boxes (27 and 64 molecules), a 2x2x2 diamond supercell, a one-atom FCC copper
 * cell and a four-atom FCC aluminium cell (both smaller than usual cutoffs), a graphene slab
 * (periodic in-plane only) and isolated methane, ethanol and benzene. Written by
 * {@link SampleStructures#bundled()} (a test checks the file still equals it).
 */
public final class SampleDataset {

    /** Classpath resource name. */
    public static final String RESOURCE = "org/e3spark/data/sample.extxyz";

    private SampleDataset() {
    }

    /** Opens the bundled file as a reader (failing on any invalid structure). */
    public static ExtxyzReader open() {
        InputStream in = SampleDataset.class.getClassLoader().getResourceAsStream(RESOURCE);
        if (in == null) {
            throw new IllegalStateException("sample dataset " + RESOURCE + " is not on the classpath");
        }
        return new ExtxyzReader(new InputStreamReader(in, StandardCharsets.UTF_8), "classpath:" + RESOURCE,
                ErrorPolicy.FAIL, 0);
    }

    /**
     * Regenerates the bundled file: {@code java -cp ... org.e3spark.data.SampleDataset
     * arrow-bridge/src/main/resources/org/e3spark/data/sample.extxyz}.
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: SampleDataset OUTPUT.extxyz");
            System.exit(2);
        }
        try (ExtxyzWriter w = new ExtxyzWriter(java.nio.file.Files.newBufferedWriter(java.nio.file.Path.of(args[0]),
                StandardCharsets.UTF_8))) {
            SampleStructures.bundled().forEach(w::write);
        }
    }

    /** Every structure of the bundled file. */
    public static List<Structure> load() {
        try (ExtxyzReader r = open()) {
            List<Structure> out = new ArrayList<>();
            r.forEachRemaining(out::add);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
