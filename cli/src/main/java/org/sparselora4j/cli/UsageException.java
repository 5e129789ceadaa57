package org.sparselora4j.cli;

/** A command line the CLI cannot run: unknown command or flag, missing or malformed value. Exit code 2. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
