package org.sparselora4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparselora4j.models.format.Json;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** bench step over weights stored compact, with checkpointing, and its one-line refusals. */
class CompactWeightsCommandTest {
    @Test
    void benchStepRunsOnQ8WeightsWithCheckpointing() {
        CliRun r = CliRun.of("bench", "step", "--dim", "64", "--ffn", "192", "--layers", "2", "--heads", "4", "--vocab", "256", "--context", "64",
                "--seq", "32", "--output-tokens", "8", "--batch", "1", "--method", "lora,sparselora", "--sparsity", "uniform:0.5", "--predictor", "random",
                "--steps", "1", "--warmup", "0", "--threads", "1", "--weights", "q8_0", "--checkpointing");
        assertThat(r.exitCode()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(2);
        for (String line : lines) {
            Map<String, Object> m = Json.parseObject(line);
            assertThat(m.get("weights")).isEqualTo("q8_0");
            assertThat(m.get("checkpointing")).isEqualTo(true);
            assertThat(((Number) m.get("weight_bytes")).longValue()).isPositive();
            assertThat(((Number) m.get("peak_rss_bytes")).longValue()).isNotZero();
            assertThat(((Number) m.get("loss_last")).doubleValue()).isFinite();
        }
    }

    @Test
    void finetuneOfAQ8GgufUsesItInPlaceAndReportsMemory(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("train.jsonl");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) sb.append("{\"prompt\": \"Once upon a time there was a cat number ").append(i).append(".\", \"completion\": \" Tom.\"}\n");
        Files.writeString(data, sb);
        Path out = dir.resolve("run");
        CliRun r = CliRun.of("finetune", "--model", CliRun.shared("models/stories260K-q8_0.gguf"), "--tokenizer", CliRun.shared("models/tok512.bin"),
                "--data", data.toString(), "--method", "sparselora", "--sparsity", "uniform:0.5", "--steps", "2", "--batch", "4", "--threads", "1",
                "--checkpointing", "--out", out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        Map<String, Object> summary = Json.parseObject(r.out().strip());
        assertThat(summary.get("weights")).isEqualTo("f16+q8_0");
        assertThat(summary.get("checkpointing")).isEqualTo(true);
        assertThat(((Number) summary.get("peak_rss_bytes")).longValue()).isNotZero();
        CliRun full = CliRun.of("finetune", "--model", CliRun.shared("models/stories260K-q8_0.gguf"), "--tokenizer", CliRun.shared("models/tok512.bin"),
                "--data", data.toString(), "--method", "full", "--weights", "q8_0", "--out", dir.resolve("full").toString());
        assertThat(full.exitCode()).isEqualTo(2);
        assertThat(full.err()).contains("--method full trains the base weights, in float32");
    }

    @Test
    void blockTypesNeedWholeBlocksAndFullTrainingNeedsFloat32() {
        CliRun q4k = CliRun.of("bench", "step", "--preset", "stories260k", "--weights", "q4_k", "--steps", "1");
        assertThat(q4k.exitCode()).isEqualTo(2);
        assertThat(q4k.err()).contains("--weights q4_k stores rows of whole 256-element blocks");
        CliRun full = CliRun.of("bench", "step", "--preset", "stories260k", "--weights", "bf16", "--method", "full", "--steps", "1");
        assertThat(full.exitCode()).isEqualTo(2);
        assertThat(full.err()).contains("--method full trains every weight, in float32");
        CliRun bad = CliRun.of("bench", "step", "--weights", "q2_k");
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("--weights must be f32, bf16");
    }
}
