package org.e3spark.data;

/**
 * A structure whose values cannot describe atoms: no atoms, NaN or infinite coordinates, an
 * unknown element, a zero or singular cell on a periodic axis, arrays of mismatched lengths.
 * Readers either fail on it or skip it and count it ({@link ErrorPolicy}); it is never dropped
 * silently.
 */
public class InvalidStructureException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public InvalidStructureException(String message) {
        super(message);
    }

    public InvalidStructureException(String message, Throwable cause) {
        super(message, cause);
    }
}
