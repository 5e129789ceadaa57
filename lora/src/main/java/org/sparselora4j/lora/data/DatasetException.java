package org.sparselora4j.lora.data;

/** A dataset file that cannot be used; the message names the file (and line) and what is wrong. */
public final class DatasetException extends RuntimeException {
    public DatasetException(String message) {
        super(message);
    }
}
