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
        super(file + ": " + printable(problem));
        this.file = file;
    }

    public ModelFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + printable(problem), cause);
        this.file = file;
    }

    /** The longest problem text kept; names read from a corrupt file can be as long as the file. */
    static final int MAX_PROBLEM_CHARS = 400;

    /**
     * {@code text} fit for a one-line message: control characters (names read from a corrupt file may hold line
     * breaks) shown as {@code \\uXXXX}, and cut to {@value #MAX_PROBLEM_CHARS} characters.
     */
    public static String printable(String text) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < text.length() && sb.length() < MAX_PROBLEM_CHARS; i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7F || c == '\u2028' || c == '\u2029') sb.append(String.format("\\u%04x", (int) c));
            else sb.append(c);
        }
        if (sb.length() >= MAX_PROBLEM_CHARS) {
            sb.setLength(MAX_PROBLEM_CHARS);
            sb.append("...");
        }
        return sb.toString();
    }

    /** The file the problem is in. */
    public Path file() {
        return file;
    }
}
