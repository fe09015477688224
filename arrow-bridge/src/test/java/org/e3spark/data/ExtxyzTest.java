package org.e3spark.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExtxyzTest {

    static List<Structure> read(String text, ErrorPolicy policy) {
        try (ExtxyzReader r = new ExtxyzReader(new StringReader(text), "test.extxyz", policy, 0)) {
            List<Structure> out = new ArrayList<>();
            r.forEachRemaining(out::add);
            return out;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    static String write(List<Structure> structures) {
        StringWriter sw = new StringWriter();
        try (ExtxyzWriter w = new ExtxyzWriter(sw)) {
            structures.forEach(w::write);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        return sw.toString();
    }

    @Test
    void roundTripKeepsEverything() {
        List<Structure> original = TestStructures.random(7, 25);
        List<Structure> back = read(write(original), ErrorPolicy.FAIL);
        assertEquals(original, back);
        assertEquals(write(original), write(back));
    }

    @Test
    void bundledSampleIsTheGeneratorsOutputAndReadsBack() {
        List<Structure> generated = SampleStructures.bundled();
        List<Structure> bundled = SampleDataset.load();
        assertEquals(generated, bundled, "regenerate with SampleDataset.main if SampleStructures changed");
        assertEquals(9, bundled.size());
        Structure water = bundled.get(0);
        assertEquals(81, water.atomCount());
        assertEquals(new Property.Text("water-box"), water.info().get("config_type"));
        double volume = water.cell().orElseThrow().volume();
        assertEquals(1.0, 27 * 18.015 / 0.60221408 / volume, 1e-4, "water density in g/cm^3");
        assertFalse(bundled.get(5).cell().orElseThrow().periodic(2), "graphene slab is not periodic along c");
        for (int box = 0; box < 2; box++) {
            // Plausible water: within 1.45 Å only the two O-H bonds of each molecule (H-H is 1.51 Å).
            Structure w = bundled.get(box);
            org.e3spark.graph.EdgeList bonds = new org.e3spark.graph.RadiusGraph(1.45).build(w);
            assertEquals(4 * w.atomCount() / 3, bonds.edgeCount(), "water box " + box);
            for (int e = 0; e < bonds.edgeCount(); e++) {
                assertEquals(0.9572, bonds.length(e), 2e-6);
            }
        }
        assertTrue(bundled.get(8).cell().isEmpty(), "benzene is isolated");
    }

    @Test
    void readsAseStyleHeadersPlainXyzAndAtomicNumbers() {
        String text = """
                2
                Lattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:R:3:forces:R:3 energy=-1.5 info="a b" flag pbc="T T F"
                Cu 0 0 0 0.1 0.2 0.3
                29 1.5 1.5 1.5 -0.1 -0.2 -0.3
                3
                water, plain xyz
                O 0.0 0.0 0.0
                H 0.757 0.586 0.0
                H -0.757 0.586 0.0
                1
                Properties=Z:I:1:pos:R:3 structure_id=42
                6 0 0 0
                """;
        List<Structure> s = read(text, ErrorPolicy.FAIL);
        assertEquals(3, s.size());
        Structure cu = s.get(0);
        assertArrayEquals(new int[] {29, 29}, cu.numbers());
        assertArrayEquals(new boolean[] {true, true, false}, cu.cell().orElseThrow().pbc());
        assertEquals(new Property.Real(-1.5), cu.info().get("energy"));
        assertEquals(new Property.Text("a b"), cu.info().get("info"));
        assertEquals(new Property.Bool(true), cu.info().get("flag"));
        assertEquals(new Property.Reals(new double[] {0.1, 0.2, 0.3, -0.1, -0.2, -0.3}), cu.arrays().get("forces"));
        assertEquals(0, cu.id());
        Structure water = s.get(1);
        assertEquals(1, water.id());
        assertTrue(water.cell().isEmpty());
        assertEquals(new Property.Text("water, plain xyz"), water.info().get("comment"));
        assertEquals(42, s.get(2).id());
        assertEquals(new Property.Text("E = 5 eV"), read("1\nE = 5 eV\nH 0 0 0\n", ErrorPolicy.FAIL).getFirst().info().get("comment"));
        assertArrayEquals(new int[] {6}, s.get(2).numbers());
        // A Lattice without pbc is periodic everywhere, as in ASE.
        Structure all = read("1\nLattice=\"2 0 0 0 2 0 0 0 2\"\nH 0 0 0\n", ErrorPolicy.FAIL).getFirst();
        assertArrayEquals(new boolean[] {true, true, true}, all.cell().orElseThrow().pbc());
    }

    private static ExtxyzFormatException malformed(String text) {
        return assertThrows(ExtxyzFormatException.class, () -> read(text, ErrorPolicy.SKIP));
    }

    @Test
    void malformedFilesNameFileFrameAndLine() {
        String good = "1\nProperties=species:S:1:pos:R:3\nH 0 0 0\n";
        ExtxyzFormatException e = malformed(good + "3\ncomment\nH 0 0 0\nH 1 0 0\n");
        assertEquals(1, e.frame());
        assertEquals(7, e.line());
        assertTrue(e.getMessage().startsWith("test.extxyz: frame 1, line 7: frame declares 3 atoms"), e.getMessage());

        e = malformed(good + "2\ncomment\nH 0 0 0\nH 1 0 0\nH 2 0 0\n");
        assertTrue(e.getMessage().contains("frame 2, line 8") && e.getMessage().contains("expected the atom count"), e.getMessage());

        e = malformed(good + "1\ncomment\nH 0 0.x 0\n");
        assertTrue(e.getMessage().contains("frame 1, line 6") && e.getMessage().contains("bad number '0.x' in column pos"),
                e.getMessage());

        e = malformed("1\ncomment\nXx 0 0 0\n");
        assertTrue(e.getMessage().contains("frame 0, line 3") && e.getMessage().contains("unknown species 'Xx'"),
                e.getMessage());

        e = malformed("1\nLattice=\"1 0 0 0 1 0 0 0\"\nH 0 0 0\n");
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("Lattice must have 9 numbers"), e.getMessage());

        e = malformed("1\nLattice=\"1 0 0 0 1 0 0 0 one\"\nH 0 0 0\n");
        assertTrue(e.getMessage().contains("Lattice value 9 is not a number"), e.getMessage());

        e = malformed("1\nProperties=species:S:1:pos:R:3 pbc=\"T T\"\nH 0 0 0\n");
        assertTrue(e.getMessage().contains("pbc must have 3 flags"), e.getMessage());

        e = malformed("1\npbc=\"T T T\"\nH 0 0 0\n");
        assertTrue(e.getMessage().contains("without a Lattice"), e.getMessage());

        e = malformed("1\nProperties=species:S:1:pos:R:2\nH 0 0\n");
        assertTrue(e.getMessage().contains("no pos:R:3 column"), e.getMessage());

        e = malformed("1\nProperties=species:S:1:pos:R:3 energy=\"unterminated\nH 0 0 0\n");
        assertTrue(e.getMessage().contains("unterminated quote"), e.getMessage());

        e = malformed("1\nProperties=species:S:1:pos:R:3:charge:R:1\nH 0 0 0\n");
        assertTrue(e.getMessage().contains("atom line has 4 values, Properties declares 5"), e.getMessage());

        e = malformed("2\ncomment\nH 0 0 0\n");
        assertTrue(e.getMessage().contains("frame declares 2 atoms but the file ends after 1"), e.getMessage());
    }

    @Test
    void invalidStructuresAreSkippedAndCountedOrFail() {
        String text = """
                1
                Properties=species:S:1:pos:R:3
                H 0 0 0
                2
                Properties=species:S:1:pos:R:3
                H nan 0 0
                H 1 0 0
                0
                empty
                1
                Lattice="1 0 0 2 0 0 0 0 1" pbc="T T T"
                H 0 0 0
                1
                Lattice="0 0 0 0 1 0 0 0 1" pbc="T F F"
                H 0 0 inf
                1
                comment
                He 0 0 0
                """;
        try (ExtxyzReader r = new ExtxyzReader(new StringReader(text), "bad.extxyz", ErrorPolicy.SKIP, 0)) {
            List<Structure> kept = new ArrayList<>();
            r.forEachRemaining(kept::add);
            assertEquals(2, kept.size());
            assertEquals(List.of(0L, 5L), kept.stream().map(Structure::id).toList());
            assertEquals(4, r.skipLog().count());
            List<String> m = r.skipLog().messages();
            assertTrue(m.get(0).contains("bad.extxyz: frame 1 (line 4)") && m.get(0).contains("non-finite position"), m.get(0));
            assertTrue(m.get(1).contains("frame 2") && m.get(1).contains("no atoms"), m.get(1));
            assertTrue(m.get(2).contains("frame 3") && m.get(2).contains("singular"), m.get(2));
            assertTrue(m.get(3).contains("frame 4") && m.get(3).contains("vector a is zero"), m.get(3));
            assertTrue(r.skipLog().summary().startsWith("skipped 4 invalid structures"));
            assertEquals(6, r.framesRead());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        InvalidStructureException e = assertThrows(InvalidStructureException.class, () -> read(text, ErrorPolicy.FAIL));
        assertTrue(e.getMessage().contains("frame 1") && e.getMessage().contains("structure 1"), e.getMessage());
    }

    @Test
    void structureValidation() {
        assertThrows(InvalidStructureException.class, () -> new Structure(0, new int[0], new double[0], null));
        assertThrows(InvalidStructureException.class, () -> new Structure(0, new int[] {1}, new double[2], null));
        assertThrows(InvalidStructureException.class, () -> new Structure(0, new int[] {119}, new double[3], null));
        assertThrows(InvalidStructureException.class, () -> Cell.orthorhombic(1, 1, 0));
        assertThrows(InvalidStructureException.class, () -> Cell.periodic(new double[] {1, 0, 0, 2, 0, 0, 0, 0, 1}));
        assertThrows(InvalidStructureException.class, () -> new Structure(0, new int[] {1, 1}, new double[6], null,
                Map.of(), Map.of("forces", new Property.Reals(new double[5]))));
        // A slab with c = 0 on its non-periodic axis is fine.
        Cell slab = new Cell(new double[] {2, 0, 0, 0, 2, 0, 0, 0, 0}, new boolean[] {true, true, false});
        assertEquals(0, slab.volume());
        assertEquals(1.0, Math.abs(slab.basis()[8]), 0.0);
    }

    @Test
    void everySkippedFrameKeepsItsOwnIdAndReasonPastTwenty() {
        StringBuilder text = new StringBuilder();
        for (int k = 0; k < 30; k++) {
            text.append("2\nstructure_id=").append(100 + k).append(" Properties=species:S:1:pos:R:3\nH 0 0 0\nH ")
                    .append(k % 2 == 0 ? "NaN" : "0.74").append(" 0 0\n");
        }
        try (ExtxyzReader r = new ExtxyzReader(new StringReader(text.toString()), "many.extxyz", ErrorPolicy.SKIP, 0)) {
            List<Structure> kept = new ArrayList<>();
            r.forEachRemaining(kept::add);
            assertEquals(15, kept.size());
            List<SkipLog.Entry> skipped = r.skipLog().entries();
            assertEquals(15, skipped.size());
            for (int j = 0; j < 15; j++) {
                // frame 2j has id 100 + 2j: rows past the 20th used to get only a placeholder
                assertEquals(100L + 2 * j, skipped.get(j).structureId());
                assertTrue(skipped.get(j).message().contains("frame " + 2 * j) && skipped.get(j).message().contains("non-finite"),
                        skipped.get(j).message());
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aCountLineClaimingMillionsOfAtomsAllocatesNothingBeforeItsLinesArrive() {
        // 45 bytes that claim 3e8 atoms: arrays were sized from the count line (OutOfMemoryError)
        ExtxyzFormatException e = assertThrows(ExtxyzFormatException.class,
                () -> read("300000000\nProperties=species:S:1:pos:R:3\nH 0 0 0\n", ErrorPolicy.SKIP));
        assertTrue(e.getMessage().contains("declares 300000000 atoms but the file ends after 1 atom lines"), e.getMessage());
        // 715827883 x 3 overflowed int into a NegativeArraySizeException
        ExtxyzFormatException n = assertThrows(ExtxyzFormatException.class,
                () -> read("715827883\nProperties=species:S:1:pos:R:3\nH 0 0 0\n", ErrorPolicy.SKIP));
        assertTrue(n.getMessage().contains("715827883 atoms needs 2147483649 values in column pos"), n.getMessage());
        ExtxyzFormatException w = assertThrows(ExtxyzFormatException.class,
                () -> read("1\nProperties=species:S:1:pos:R:3:big:R:2147483647\nH 0 0 0\n", ErrorPolicy.SKIP));
        assertTrue(w.getMessage().contains("more than 4096 values per atom (column 'big'"), w.getMessage());
        // a frame that grows past the first allocation still reads every atom
        StringBuilder big = new StringBuilder("100\nProperties=species:S:1:pos:R:3:q:R:2\n");
        for (int i = 0; i < 100; i++) {
            big.append("H ").append(i).append(" 0 0 ").append(i).append(" ").append(-i).append("\n");
        }
        Structure s = read(big.toString(), ErrorPolicy.FAIL).getFirst();
        assertEquals(100, s.atomCount());
        assertEquals(99.0, s.positions()[3 * 99]);
        assertEquals(-99.0, ((Property.Reals) s.arrays().get("q")).values()[2 * 99 + 1]);
    }

    @Test
    void aStructureIdThatIsNotAnIntegerIsRefusedNotReplaced() {
        String text = "1\nstructure_id=abc Properties=species:S:1:pos:R:3\nH 0 0 0\n"
                + "1\nstructure_id=1 Properties=species:S:1:pos:R:3\nH 0 0 0\n";
        InvalidStructureException e = assertThrows(InvalidStructureException.class, () -> read(text, ErrorPolicy.FAIL));
        assertTrue(e.getMessage().contains("frame 0") && e.getMessage().contains("structure_id=\"abc\" is not an integer"),
                e.getMessage());
        try (ExtxyzReader r = new ExtxyzReader(new StringReader(text), "ids.extxyz", ErrorPolicy.SKIP, 0)) {
            List<Structure> kept = new ArrayList<>();
            r.forEachRemaining(kept::add);
            assertEquals(List.of(1L), kept.stream().map(Structure::id).toList());
            // reported without an id: firstId + frame (here 0) could be another frame's id
            assertEquals(null, r.skipLog().entries().getFirst().structureId());
        } catch (IOException x) {
            throw new AssertionError(x);
        }
    }
}
