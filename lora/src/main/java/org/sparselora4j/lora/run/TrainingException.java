package org.sparselora4j.lora.run;

/** A run that cannot go on (a non-finite loss or gradient); the last good checkpoint is kept. */
public final class TrainingException extends RuntimeException {
    public TrainingException(String message) {
        super(message);
    }
}
