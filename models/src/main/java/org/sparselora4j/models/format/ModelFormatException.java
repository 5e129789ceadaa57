package org.sparselora4j.models.format;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A checkpoint or tokenizer file that cannot be read as what it claims to be: truncated, corrupt, sizes that do
 * not add up, an unknown tensor type, a missing tensor. The message is one line that names the file and the
 * problem, and it is raised before any large allocation.
 */
public final class ModelFormatException extends IOException {
    private final Path file;

    public ModelFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public ModelFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file the problem is in. */
    public Path file() {
        return file;
    }
}
