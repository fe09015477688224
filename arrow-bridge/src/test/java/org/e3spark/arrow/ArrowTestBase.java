package org.e3spark.arrow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A fresh allocator per test, which must hold nothing at the end: every test is a leak test. */
abstract class ArrowTestBase {

    protected BufferAllocator allocator;

    @BeforeEach
    void openAllocator() {
        allocator = new RootAllocator();
    }

    @AfterEach
    void closeAllocator() {
        long outstanding = allocator.getAllocatedMemory();
        allocator.close(); // throws on leaked buffers or open child allocators
        assertEquals(0, outstanding, "Arrow memory still allocated at the end of the test");
    }
}
