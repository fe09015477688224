package org.e3spark.spark;

/**
 * A row that is not a valid structure for the model, under {@code spark.e3spark.onError=fail}: the
 * message names the row's structure_id, the partition and the reason, and how to skip such rows.
 */
public class BadStructureRowException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public BadStructureRowException(String message, Throwable cause) {
        super(message, cause);
    }
}
