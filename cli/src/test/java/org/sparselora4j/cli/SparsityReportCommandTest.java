package org.sparselora4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparselora4j.models.format.Json;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SparsityReportCommandTest {
    private static final String TEXT = "Once upon a time, there was a little girl named Lily. She loved to play outside in the park. "
            + "One day, she saw a big, red ball. She wanted to play with it, but it was too high. Lily's mom said, \"Lily, let's go "
            + "to the park.\" Lily was sad and didn't know what to do. Tom had a dog named Spot. Spot liked to run and jump.";

    @TempDir
    Path dir;

    @Test
    void printsTheTableOnStderrAndOneJsonObjectOnStdout() {
        String model = CliRun.shared("models/stories260K.bin");
        String tok = CliRun.shared("models/tok512.bin");
        CliRun run = CliRun.of("sparsity-report", "--model", model, "--tokenizer", tok, "--text", TEXT, "--seq", "32", "--batch", "4",
                "--gqa-mapping", "reference", "--sparsity", "0.75", "--rank", "4");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("estimator fidelity: sparsity 0.75, rank 4, GQA mapping reference, batch 4 x 32 tokens")
                .contains("recall svd").contains(" mean  ffn");
        assertThat(run.out().lines().count()).isEqualTo(1);
        Map<String, Object> json = Json.parseObject(run.out());
        assertThat(json.get("gqaMapping")).isEqualTo("reference");
        assertThat(((Number) json.get("rank")).intValue()).isEqualTo(4);
        assertThat((List<?>) json.get("rows")).hasSize(5 * 5);
    }

    @Test
    void ffnScoringTokensIsReportedAndChangesOnlyTheFfnPrediction() {
        String model = CliRun.shared("models/stories260K.bin");
        String tok = CliRun.shared("models/tok512.bin");
        CliRun mean = CliRun.of("sparsity-report", "--model", model, "--tokenizer", tok, "--text", TEXT, "--seq", "32", "--batch", "4");
        CliRun tokens = CliRun.of("sparsity-report", "--model", model, "--tokenizer", tok, "--text", TEXT, "--seq", "32", "--batch", "4",
                "--ffn-scoring", "tokens");
        assertThat(tokens.exitCode()).as(tokens.err()).isZero();
        assertThat(mean.err()).contains("batch 4 x 32 tokens, FFN scoring mean");
        assertThat(tokens.err()).contains("batch 4 x 32 tokens, FFN scoring tokens");
        Map<String, Object> m = Json.parseObject(mean.out());
        Map<String, Object> t = Json.parseObject(tokens.out());
        assertThat(m.get("ffnScoring")).isEqualTo("mean");
        assertThat(t.get("ffnScoring")).isEqualTo("tokens");
        assertThat(((Map<?, ?>) t.get("mean")).get("q")).isEqualTo(((Map<?, ?>) m.get("mean")).get("q"));
        assertThat(((Map<?, ?>) t.get("mean")).get("ffn")).isNotEqualTo(((Map<?, ?>) m.get("mean")).get("ffn"));
    }

    @Test
    void anEstimatorFileIsSavedThenReusedAndAnotherModelsFileIsRefused() throws Exception {
        String model = CliRun.shared("models/stories260K.bin");
        String tok = CliRun.shared("models/tok512.bin");
        Path file = dir.resolve("est.safetensors");
        CliRun first = CliRun.of("sparsity-report", "--model", model, "--tokenizer", tok, "--text", TEXT, "--seq", "32", "--estimator", file.toString());
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(first.err()).contains("saved the rank-8 SVD estimator to " + file);
        CliRun second = CliRun.of("sparsity-report", "--model", model, "--tokenizer", tok, "--text", TEXT, "--seq", "32", "--estimator", file.toString());
        assertThat(second.exitCode()).isZero();
        assertThat(second.err()).doesNotContain("saved");
        assertThat(Json.parseObject(second.out()).get("rows")).isEqualTo(Json.parseObject(first.out()).get("rows"));
        CliRun otherRank = CliRun.of("sparsity-report", "--model", model, "--tokenizer", tok, "--text", TEXT, "--estimator", file.toString(), "--rank", "4");
        assertThat(otherRank.exitCode()).isEqualTo(1);
        assertThat(otherRank.err()).contains(file.toString()).contains("holds rank 8");
        Path hf = Path.of(CliRun.shared("models/stories260K-hf"));
        // Same model, but the Hugging Face folder's q/k rows are permuted: other weights, so the file is refused.
        CliRun permuted = CliRun.of("sparsity-report", "--model", hf.toString(), "--tokenizer", tok, "--text", TEXT, "--estimator", file.toString());
        assertThat(permuted.exitCode()).isEqualTo(1);
        assertThat(permuted.err()).contains(file.toString()).contains("was built from other weights");
    }

    @Test
    void badSettingsAreUsageErrors() {
        String model = CliRun.shared("models/stories260K.bin");
        String tok = CliRun.shared("models/tok512.bin");
        CliRun one = CliRun.of("sparsity-report", "--model", model, "--tokenizer", tok, "--text", TEXT, "--sparsity", "1");
        assertThat(one.exitCode()).isEqualTo(2);
        assertThat(one.err()).contains("--sparsity must be in [0, 1)");
        CliRun rank = CliRun.of("sparsity-report", "--model", model, "--tokenizer", tok, "--text", TEXT, "--rank", "33");
        assertThat(rank.exitCode()).isEqualTo(2);
        assertThat(rank.err()).contains("--rank").contains("estimator rank 33 is a rank larger than the weights allow").contains("at most 32");
        CliRun mapping = CliRun.of("sparsity-report", "--model", model, "--tokenizer", tok, "--text", TEXT, "--gqa-mapping", "heads");
        assertThat(mapping.exitCode()).isEqualTo(2);
        assertThat(mapping.err()).contains("--gqa-mapping must be one of head-consistent|reference");
        CliRun scoring = CliRun.of("sparsity-report", "--model", model, "--tokenizer", tok, "--text", TEXT, "--ffn-scoring", "all");
        assertThat(scoring.exitCode()).isEqualTo(2);
        assertThat(scoring.err().lines()).singleElement().asString().endsWith("sparsity-report: --ffn-scoring must be one of mean|tokens, got 'all'");
        CliRun both = CliRun.of("sparsity-report", "--model", model, "--tokenizer", tok);
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.err()).contains("exactly one of --data and --text");
    }

    @Test
    void dataFilesWork() throws Exception {
        String model = CliRun.shared("models/stories260K.bin");
        String tok = CliRun.shared("models/tok512.bin");
        Path data = dir.resolve("d.jsonl");
        Files.writeString(data, "{\"prompt\": \"Lily saw a cat.\", \"completion\": \" The cat was happy.\"}\n"
                + "{\"prompt\": \"Tom had a big red ball and a small dog.\", \"completion\": \" They played all day.\"}\n");
        CliRun run = CliRun.of("sparsity-report", "--model", model, "--tokenizer", tok, "--data", data.toString(), "--batch", "2");
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(Json.parseObject(run.out()).get("batch")).isEqualTo(2L);
    }
}
