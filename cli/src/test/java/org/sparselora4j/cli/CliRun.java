package org.sparselora4j.cli;

import org.junit.jupiter.api.Assumptions;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** One command line run through {@link Main#run} with captured output; and the shared test data. */
record CliRun(int exitCode, String out, String err) {
    static CliRun of(String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8); PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.run(argv, o, e);
        }
        return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** {@code models/NAME} or {@code golden/NAME} beside the checkout, or a skipped test. */
    static String shared(String relative) {
        Path p = Path.of(System.getProperty("sparselora4j.shared", "../shared")).resolve(relative);
        if (!Files.exists(p)) {
            String reason = "skipped: shared test data " + p.toAbsolutePath() + " is absent";
            System.out.println(reason);
            Assumptions.abort(reason);
        }
        return p.toString();
    }
}
