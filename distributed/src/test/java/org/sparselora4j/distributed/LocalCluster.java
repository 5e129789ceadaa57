package org.sparselora4j.distributed;

import org.junit.jupiter.api.Assumptions;
import org.sparselora4j.cli.Main;
import org.sparselora4j.models.format.Json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Test helpers: a {@code finetune} run through {@link Main#run}, the shared model, a small dataset, a run's losses. */
final class LocalCluster {
    private LocalCluster() {
    }

    record Run(int exitCode, String out, String err) {
        Map<String, Object> summary() {
            return Json.parseObject(out.strip().lines().reduce((a, b) -> b).orElseThrow());
        }
    }

    /** The local cluster's SPARK_HOME (surefire sets it under target/) with the empty jars/ it needs. */
    static void sparkHome() throws IOException {
        String home = System.getenv("SPARK_HOME");
        Assumptions.assumeTrue(home != null, "SPARK_HOME is not set (surefire sets it)");
        Files.createDirectories(Path.of(home, "jars"));
    }

    static Run finetune(List<String> args) {
        List<String> argv = new ArrayList<>(List.of("finetune"));
        argv.addAll(args);
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8); PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Main.run(argv.toArray(String[]::new), o, e);
        }
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static String shared(String relative) {
        Path p = Path.of(System.getProperty("sparselora4j.shared", "../shared")).resolve(relative);
        Assumptions.assumeTrue(Files.exists(p), "skipped: shared test data " + p.toAbsolutePath() + " is absent");
        return p.toAbsolutePath().toString();
    }

    /** 16 prompt/completion examples of different lengths (so shards pad differently). */
    static Path data(Path dir) throws IOException {
        Path data = dir.resolve("train.jsonl");
        StringBuilder sb = new StringBuilder();
        String[] names = {"Tom", "Lily", "Ben", "Sue", "Max", "Anna", "Tim", "Mia"};
        for (int i = 0; i < 16; i++) {
            sb.append("{\"prompt\": \"Once upon a time").append(" there was a dog".repeat(i % 4)).append(". A little cat named ")
                    .append(names[i % names.length]).append(" lived in a house. Who was the cat?\", \"completion\": \" ")
                    .append(names[i % names.length]).append(" the cat.\"}\n");
        }
        Files.writeString(data, sb);
        return data;
    }

    /**
     * 16 examples of one length (a digit changes), so every shard pads as the whole batch does: SparseLoRA's
     * predictor scores sequence means over the padded length.
     */
    static Path equalLengthData(Path dir) throws IOException {
        Path data = dir.resolve("train-equal.jsonl");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            int d = (i * 7) % 10;
            sb.append("{\"prompt\": \"Once upon a time there was a little cat with ").append(d).append(" toys. How many toys?\", \"completion\": \" ")
                    .append(d).append(" toys.\"}\n");
        }
        Files.writeString(data, sb);
        return data;
    }

    /** The train losses of a run folder's metrics.jsonl, step by step. */
    static List<Double> losses(Path runDir) throws IOException {
        List<Double> losses = new ArrayList<>();
        for (String line : Files.readAllLines(runDir.resolve("metrics.jsonl"))) {
            if (line.isBlank()) continue;
            Map<String, Object> rec = Json.parseObject(line);
            if ("train".equals(rec.get("kind"))) losses.add(((Number) rec.get("loss")).doubleValue());
        }
        return losses;
    }
}
