package org.e3spark.model;

/**
 * A model, weights or kernel file that cannot be read: not this format (wrong magic), a newer
 * format version, a checksum mismatch (corrupt or truncated), or tensors whose names or shapes do
 * not fit the config. The message names the file and what was expected.
 */
public class ModelFormatException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
