package org.sparselora4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparselora4j.models.format.Json;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code finetune --method sparselora} and {@code bench step --method lora,sparselora} through {@link Main#run}. */
class SparseLoraCommandTest {
    @Test
    void benchStepTimesLoraAndSparseLoraSideBySide() {
        CliRun r = CliRun.of("bench", "step", "--preset", "stories260k", "--seq", "32", "--output-tokens", "8", "--batch", "2",
                "--method", "lora,sparselora", "--sparsity", "uniform:0.5", "--predictor", "random", "--steps", "1", "--warmup", "0", "--threads", "1");
        assertThat(r.exitCode()).as(r.err()).isZero();
        List<String> lines = r.out().lines().toList();
        assertThat(lines).hasSize(2);
        Map<String, Object> sparse = Json.parseObject(lines.get(1));
        assertThat(sparse.get("method")).isEqualTo("sparselora");
        assertThat(sparse.get("sparsity")).isEqualTo("ffn=1-3:0.5,attn=1-3:0.5");
        assertThat(((Number) sparse.get("flop_ratio")).doubleValue()).isBetween(0.3, 0.99);
        assertThat(sparse).containsKeys("speedup_vs_lora", "predictor_time_share");
    }

    @Test
    void finetuneWithSparseLoraWritesTheAdapterAndTheFlopRatio(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("train.jsonl");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            sb.append("{\"prompt\": \"Once upon a time there was a little cat named Tom number ").append(i)
                    .append(". Who was the cat?\", \"completion\": \" Tom the cat.\"}\n");
        }
        Files.writeString(data, sb);
        Path out = dir.resolve("run");
        CliRun r = CliRun.of("finetune", "--model", CliRun.shared("models/stories260K.bin"), "--tokenizer", CliRun.shared("models/tok512.bin"),
                "--data", data.toString(), "--method", "sparselora", "--sparsity", "ffn=1-3:0.9,attn=2-3:0.5", "--dense-warmup", "0.25",
                "--steps", "4", "--batch", "4", "--threads", "1", "--out", out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        Map<String, Object> summary = Json.parseObject(r.out().strip());
        assertThat(summary.get("method")).isEqualTo("sparselora");
        assertThat(((Number) summary.get("dense_warmup_steps")).longValue()).isEqualTo(1);
        assertThat(summary.get("predictor")).isEqualTo("svd-8/head-consistent/ffn-mean");
        assertThat(((Number) summary.get("flop_ratio")).doubleValue()).isBetween(0.3, 0.999);
        assertThat(out.resolve("adapter").resolve("adapter_config.json")).exists();
    }

    @Test
    void ffnScoringTokensNamesThePredictorAndCountsMorePredictorFlops() {
        Map<String, Object> mean = sparseStep("mean");
        Map<String, Object> tokens = sparseStep("tokens");
        assertThat(mean.get("predictor")).isEqualTo("svd-8/head-consistent/ffn-mean");
        assertThat(tokens.get("predictor")).isEqualTo("svd-8/head-consistent/ffn-tokens");
        assertThat(((Number) tokens.get("predictor_flop_share")).doubleValue()).isGreaterThan(((Number) mean.get("predictor_flop_share")).doubleValue());
    }

    private static Map<String, Object> sparseStep(String ffnScoring) {
        CliRun r = CliRun.of("bench", "step", "--preset", "stories260k", "--seq", "32", "--output-tokens", "8", "--batch", "2",
                "--method", "sparselora", "--sparsity", "uniform:0.5", "--ffn-scoring", ffnScoring, "--steps", "1", "--warmup", "0", "--threads", "1");
        assertThat(r.exitCode()).as(r.err()).isZero();
        return Json.parseObject(r.out().strip());
    }

    @Test
    void breakdownListsEachMethodsProductsAndOps() {
        CliRun r = CliRun.of("bench", "step", "--preset", "stories260k", "--seq", "32", "--output-tokens", "8", "--batch", "2",
                "--method", "lora,sparselora", "--sparsity", "uniform:0.5", "--predictor", "random", "--steps", "2", "--warmup", "1", "--threads", "1",
                "--breakdown");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out().lines().toList()).hasSize(2);
        assertThat(r.err()).contains("breakdown lora: median step").contains("breakdown sparselora: median step")
                .containsPattern("breakdown lora: abT +64 +64 +172 ")   // gate and up: 64 rows x dim 64 -> ffn 172
                .contains("rowsAbT").contains("ops lora: median step").contains("ops sparselora: median step")
                // Ops under 1 ms a step are not listed, so only the largest (5-15 ms here) is sure to show.
                .containsPattern("ops lora: .* threads busy  LinearOps\\.linearPlusLowRank < LoraLinear\\.forward")
                .containsPattern("ops sparselora: .* threads busy  LinearOps\\.linearPlusLowRank < LoraLinear\\.forward");
    }

    @Test
    void aBadFfnScoringIsAUsageErrorThatNamesTheFlag() {
        CliRun r = CliRun.of("bench", "step", "--preset", "stories260k", "--method", "sparselora", "--ffn-scoring", "avg", "--steps", "1");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("bench step: --ffn-scoring must be one of mean|tokens, got 'avg'");
    }

    @Test
    void aBadSparsitySettingIsAUsageErrorThatNamesIt() {
        CliRun r = CliRun.of("bench", "step", "--preset", "stories260k", "--method", "sparselora", "--sparsity", "ffn=1-9:0.5", "--steps", "1");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--sparsity").contains("ffn=1-9:0.5").contains("layers 0-4");
    }
}
