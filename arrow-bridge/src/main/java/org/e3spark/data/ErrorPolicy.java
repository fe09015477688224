package org.e3spark.data;

/** What a reader does with a structure that fails validation ({@link InvalidStructureException}). */
public enum ErrorPolicy {
    /** Throw, naming the structure and where it came from. */
    FAIL,
    /** Skip it, count it and keep its message ({@link SkipLog}); the caller reports the count. */
    SKIP
}
