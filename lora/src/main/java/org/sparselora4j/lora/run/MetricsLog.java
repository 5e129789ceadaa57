package org.sparselora4j.lora.run;

import org.sparselora4j.models.format.AtomicFile;

import org.sparselora4j.models.format.Json;
import org.sparselora4j.models.format.ModelFormatException;
import org.sparselora4j.models.format.TextFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code metrics.jsonl} in the run folder: one JSON object per line, {@code "kind": "train"} per step and
 * {@code "kind": "eval"} per validation. A resumed run first drops the records the checkpoint does not cover, so
 * the file reads as one uninterrupted run; a torn last line (a run killed while appending) is dropped too.
 */
public final class MetricsLog {
    public static final String FILE = "metrics.jsonl";

    private final Path file;

    public MetricsLog(Path runDir, long resumeFrom) throws IOException {
        this.file = runDir.resolve(FILE);
        if (resumeFrom == 0) {
            AtomicFile.writeString(file, "");
        } else if (Files.exists(file)) {
            List<String> kept = new ArrayList<>();
            String text = TextFiles.readUtf8(file);
            String[] lines = text.split("\n", -1);
            for (int i = 0; i < lines.length; i++) {
                String line = lines[i];
                if (line.isBlank()) continue;
                Map<String, Object> record;
                try {
                    record = Json.parseObject(line);
                } catch (IllegalArgumentException e) {
                    // A run killed in the middle of appending leaves a torn last line; that one is dropped.
                    if (i == lines.length - 1) continue;
                    throw new ModelFormatException(file, "line " + (i + 1) + " is not a JSON record (" + e.getMessage() + ")");
                }
                // A step's record carries the steps done after it (step s is the record of the s-th step), an eval's
                // the steps done before it; a run resumed from step s repeats the eval at s but not the s-th step.
                boolean stepRecord = !"eval".equals(record.get("kind"));
                if (record.get("step") instanceof Number n && (stepRecord ? n.doubleValue() <= resumeFrom : n.doubleValue() < resumeFrom)) {
                    kept.add(line);
                }
            }
            AtomicFile.writeString(file, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
        }
    }

    public void append(Map<String, Object> record) throws IOException {
        Files.writeString(file, Json.write(record) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** (step, value) pairs of one field for records of one kind, for the loss curve. */
    public List<double[]> series(String kind, String field) throws IOException {
        List<double[]> out = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (line.isBlank()) continue;
            Map<String, Object> r = Json.parseObject(line);
            if (kind.equals(r.get("kind")) && r.get(field) instanceof Number v && r.get("step") instanceof Number s) {
                out.add(new double[] {s.doubleValue(), v.doubleValue()});
            }
        }
        return out;
    }
}
