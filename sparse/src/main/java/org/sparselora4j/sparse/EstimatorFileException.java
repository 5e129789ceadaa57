package org.sparselora4j.sparse;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An SVD estimator file that cannot serve the model at hand. The message is one line naming the file.
 * {@link #stale()} is true when the file is a readable estimator file that was built for other weights, another
 * rank or other layers (a cache may rebuild it), false when it is not an estimator file at all (never overwritten).
 */
public final class EstimatorFileException extends IOException {
    private final Path file;
    private final boolean stale;

    EstimatorFileException(Path file, String problem, boolean stale) {
        super(file + ": " + problem);
        this.file = file;
        this.stale = stale;
    }

    EstimatorFileException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
        this.stale = false;
    }

    public Path file() {
        return file;
    }

    /** Whether the file is an estimator file for other weights, rank or layers (as opposed to unreadable). */
    public boolean stale() {
        return stale;
    }
}
