package org.e3spark.arrow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.complex.ListVector;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.Field;
import org.e3spark.data.ErrorPolicy;
import org.e3spark.data.InvalidStructureException;
import org.e3spark.data.Property;
import org.e3spark.data.SampleDataset;
import org.e3spark.data.SkipLog;
import org.e3spark.data.Structure;
import org.e3spark.data.TestStructures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StructureTablesTest extends ArrowTestBase {

    private static List<Structure> mixed() {
        List<Structure> s = new ArrayList<>(TestStructures.random(11, 17));
        s.addAll(SampleDataset.load()); // no per-atom properties, other info: nulls in those columns
        return s;
    }

    @Test
    void tableRoundTripKeepsEverythingInSparkTypes() {
        List<Structure> in = mixed();
        try (VectorSchemaRoot root = StructureTables.allocateTable(allocator, in)) {
            for (Field f : root.getSchema().getFields()) {
                assertFalse(f.getType() instanceof ArrowType.FixedSizeList, f.getName() + " must be a list for Spark");
                if (f.getType() instanceof ArrowType.List) {
                    assertEquals(StructureSchema.ELEMENT, f.getChildren().getFirst().getName());
                }
            }
            assertEquals("true", root.getSchema().findField("forces").getMetadata().get(StructureSchema.PER_ATOM_KEY));
            SkipLog log = new SkipLog();
            assertEquals(in, StructureTables.read(root, ErrorPolicy.FAIL, log));
            assertEquals(0, log.count());
        }
    }

    @Test
    void ipcFileAndStreamRoundTripInAwkwardBatchSizes(@TempDir Path dir) throws IOException {
        List<Structure> in = mixed();
        for (int rows : new int[] {1, 3, 13, 4097}) {
            Path file = dir.resolve("s" + rows + ".arrow");
            ArrowIpc.writeFile(file, allocator, in, rows);
            assertTrue(Files.size(file) > 0);
            try (StructureIpcReader r = ArrowIpc.openFile(file, allocator, ErrorPolicy.FAIL)) {
                List<Structure> back = new ArrayList<>();
                r.forEachRemaining(back::add);
                assertEquals(in, back, "file, " + rows + " rows per batch");
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            ArrowIpc.writeStream(bytes, allocator, in, rows);
            try (StructureIpcReader r = ArrowIpc.openStream(new ByteArrayInputStream(bytes.toByteArray()), "stream",
                    allocator, ErrorPolicy.FAIL)) {
                List<Structure> back = new ArrayList<>();
                r.forEachRemaining(back::add);
                assertEquals(in, back, "stream, " + rows + " rows per batch");
            }
        }
    }

    @Test
    void invalidRowsAreSkippedAndCountedOrFail() {
        List<Structure> in = SampleDataset.load();
        try (VectorSchemaRoot root = StructureTables.allocateTable(allocator, in)) {
            ListVector positions = (ListVector) root.getVector(StructureSchema.POSITIONS);
            ((Float8Vector) positions.getDataVector()).set(positions.getElementStartIndex(1) + 4, Double.NaN);
            ListVector numbers = (ListVector) root.getVector(StructureSchema.NUMBERS);
            ((IntVector) numbers.getDataVector()).set(numbers.getElementStartIndex(3), 0);
            SkipLog log = new SkipLog();
            List<Structure> kept = StructureTables.read(root, ErrorPolicy.SKIP, log);
            assertEquals(in.size() - 2, kept.size());
            assertEquals(2, log.count());
            assertTrue(log.messages().get(0).contains("table row 1: structure 1") && log.messages().get(0).contains("non-finite"),
                    log.messages().get(0));
            assertTrue(log.messages().get(1).contains("atomic number 0"), log.messages().get(1));
            InvalidStructureException e = assertThrows(InvalidStructureException.class,
                    () -> StructureTables.read(root, ErrorPolicy.FAIL, new SkipLog()));
            assertTrue(e.getMessage().contains("row 1"), e.getMessage());
        }
    }

    @Test
    void schemaMistakesAreNamed() {
        Structure a = new Structure(1, new int[] {1}, new double[3], null, Map.of("energy", new Property.Real(1)), Map.of());
        Structure b = new Structure(2, new int[] {1}, new double[3], null, Map.of("energy", new Property.Text("x")), Map.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> StructureTables.allocateTable(allocator, List.of(a, b)));
        assertTrue(e.getMessage().contains("'energy' is real") && e.getMessage().contains("text in structure 2"), e.getMessage());
        Structure c = new Structure(3, new int[] {1}, new double[3], null, Map.of("energy", new Property.Int(2)), Map.of());
        try (VectorSchemaRoot root = StructureTables.allocateTable(allocator, List.of(a, c))) {
            List<Structure> back = StructureTables.read(root, ErrorPolicy.FAIL, new SkipLog());
            assertEquals(new Property.Real(2.0), back.get(1).info().get("energy"), "ints widen to reals in one column");
        }
        try (VectorSchemaRoot root = StructureTables.allocateTable(allocator, List.of(a));
             VectorSchemaRoot noPositions = new VectorSchemaRoot(List.of(root.getVector(StructureSchema.STRUCTURE_ID),
                     root.getVector(StructureSchema.NUMBERS)))) {
            noPositions.setRowCount(1);
            IllegalArgumentException m = assertThrows(IllegalArgumentException.class,
                    () -> StructureTables.read(noPositions, ErrorPolicy.SKIP, new SkipLog()));
            assertTrue(m.getMessage().contains("no 'positions' column"), m.getMessage());
        }
    }

    @Test
    void nullIdsAndNullPbcFlagsAreRowErrorsUnderTheirOwnRow() {
        List<Structure> in = SampleDataset.load();
        try (VectorSchemaRoot root = StructureTables.allocateTable(allocator, in)) {
            // row 2's id is null: it was reported as "structure 2", which is row 2 of nobody (or another row's id)
            ((org.apache.arrow.vector.BigIntVector) root.getVector(StructureSchema.STRUCTURE_ID)).setNull(2);
            ListVector pbc = (ListVector) root.getVector(StructureSchema.PBC);
            ((org.apache.arrow.vector.BitVector) pbc.getDataVector()).setNull(pbc.getElementStartIndex(0) + 1);
            SkipLog log = new SkipLog();
            List<Structure> kept = StructureTables.read(root, ErrorPolicy.SKIP, log, "in.arrow, record batch 0");
            assertEquals(in.size() - 2, kept.size());
            SkipLog.Entry pbcNull = log.entries().get(0);
            assertEquals(in.get(0).id(), pbcNull.structureId());
            assertTrue(pbcNull.message().contains("in.arrow, record batch 0, table row 0") && pbcNull.message().contains("pbc flag 1 is null"),
                    pbcNull.message());
            SkipLog.Entry idNull = log.entries().get(1);
            assertEquals(null, idNull.structureId());
            assertEquals("in.arrow, record batch 0, table row 2: structure_id is null", idNull.message());
        }
    }

    @Test
    void numbersOutOfIntRangeAreRefusedNotClamped() {
        org.apache.arrow.vector.types.pojo.Schema schema = new org.apache.arrow.vector.types.pojo.Schema(List.of(
                Field.nullable(StructureSchema.STRUCTURE_ID, new ArrowType.Int(64, true)),
                new Field(StructureSchema.NUMBERS, org.apache.arrow.vector.types.pojo.FieldType.nullable(ArrowType.List.INSTANCE),
                        List.of(Field.nullable("element", new ArrowType.Int(64, true)))),
                new Field(StructureSchema.POSITIONS, org.apache.arrow.vector.types.pojo.FieldType.nullable(ArrowType.List.INSTANCE),
                        List.of(Field.nullable("element", new ArrowType.FloatingPoint(
                                org.apache.arrow.vector.types.FloatingPointPrecision.DOUBLE))))));
        try (VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator)) {
            root.allocateNew();
            ((org.apache.arrow.vector.BigIntVector) root.getVector(0)).setSafe(0, 5);
            ListVector z = (ListVector) root.getVector(1);
            Lists.writeLongs(z, 0, new long[] {4294967297L});
            Lists.writeDoubles((ListVector) root.getVector(2), 0, new double[] {0, 0, 0});
            root.setRowCount(1);
            SkipLog log = new SkipLog();
            assertEquals(0, StructureTables.read(root, ErrorPolicy.SKIP, log).size());
            assertTrue(log.messages().getFirst().contains("numbers[0] = 4294967297 is out of the int range"),
                    log.messages().getFirst());
        }
    }
}
