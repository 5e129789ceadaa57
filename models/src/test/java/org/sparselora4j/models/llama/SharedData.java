package org.sparselora4j.models.llama;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The real checkpoints and reference outputs beside the checkout; tests that need one skip, printing why, when it is absent. */
final class SharedData {
    private SharedData() {
    }

    static Path root() {
        return Path.of(System.getProperty("sparselora4j.shared", "../shared"));
    }

    /** {@code models/NAME} or {@code golden/NAME}, or a skipped test. */
    static Path require(String relative) {
        Path p = root().resolve(relative);
        if (!Files.exists(p)) {
            String reason = "skipped: shared test data " + p.toAbsolutePath() + " is absent";
            System.out.println(reason);
            Assumptions.abort(reason);
        }
        return p;
    }

    /** The prompts of stories260K-greedy-text.txt and the text run.c printed for each (its final newline included). */
    static Map<String, String> greedyTexts() throws IOException {
        List<String> lines = Files.readAllLines(require("golden/stories260K-greedy-text.txt"));
        Map<String, String> texts = new LinkedHashMap<>();
        String prompt = null;
        List<String> body = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("== prompt: ")) {
                if (prompt != null) texts.put(prompt, String.join("\n", body) + "\n");
                prompt = line.substring("== prompt: ".length());
                body.clear();
            } else {
                body.add(line);
            }
        }
        if (prompt != null) texts.put(prompt, String.join("\n", body) + "\n");
        return texts;
    }
}
