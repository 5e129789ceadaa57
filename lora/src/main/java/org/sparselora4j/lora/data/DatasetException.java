package org.sparselora4j.lora.data;

import org.sparselora4j.models.format.ModelFormatException;

/**
 * A dataset file that cannot be used; the message names the file (and line) and what is wrong, on one line (text
 * quoted from the file has its control characters escaped, as in {@link ModelFormatException#printable}).
 */
public final class DatasetException extends RuntimeException {
    public DatasetException(String message) {
        super(ModelFormatException.printable(message));
    }
}
