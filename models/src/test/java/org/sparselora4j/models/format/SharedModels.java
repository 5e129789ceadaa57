package org.sparselora4j.models.format;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** The real checkpoints in {@code ../shared/models}; tests that need one skip, with the reason printed, when it is absent. */
final class SharedModels {
    private SharedModels() {
    }

    static Path dir() {
        return Path.of(System.getProperty("sparselora4j.shared", "../shared")).resolve("models");
    }

    /** The shared file or folder {@code name}, or a skipped test. */
    static Path require(String name) {
        Path p = dir().resolve(name);
        if (!Files.exists(p)) {
            String reason = "skipped: shared test model " + p.toAbsolutePath() + " is absent";
            System.out.println(reason);
            Assumptions.abort(reason);
        }
        return p;
    }
}
