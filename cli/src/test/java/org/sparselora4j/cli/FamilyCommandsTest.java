package org.sparselora4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparselora4j.models.format.Json;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The commands on the four tiny families of ../shared/golden/families, from their GGUF files and HF folders. */
class FamilyCommandsTest {
    @TempDir
    Path dir;

    private static final String TOKENS = "128,7,900,31,77";

    private static List<?> logits(String model) {
        CliRun r = CliRun.of("logits", "--model", model, "--tokens", TOKENS, "--all");
        assertThat(r.exitCode()).as(r.err()).isZero();
        return (List<?>) Json.parseObject(r.out()).get("logits");
    }

    private static double maxAbsDiff(List<?> a, List<?> b) {
        assertThat(a).hasSameSizeAs(b);
        double max = 0;
        for (int r = 0; r < a.size(); r++) {
            List<?> x = (List<?>) a.get(r), y = (List<?>) b.get(r);
            assertThat(x).hasSameSizeAs(y);
            for (int i = 0; i < x.size(); i++) max = Math.max(max, Math.abs(((Number) x.get(i)).doubleValue() - ((Number) y.get(i)).doubleValue()));
        }
        return max;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "llama3-untied", "qwen2", "qwen3"})
    void logitsAgreeBetweenTheFormats(String family) {
        String root = CliRun.shared("golden/families/" + family);
        assertThat(maxAbsDiff(logits(root + "/model.gguf"), logits(root + "/hf"))).isLessThan(1e-4);
    }

    /** export of a GGUF writes the family's HF folder: its logits are the original's. */
    @ParameterizedTest
    @ValueSource(strings = {"llama3", "qwen2", "qwen3"})
    void exportOfAGgufGivesTheSameLogits(String family) {
        String root = CliRun.shared("golden/families/" + family);
        Path out = dir.resolve(family);
        CliRun r = CliRun.of("export", "--model", root + "/model.gguf", "--out", out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(maxAbsDiff(logits(out.toString()), logits(root + "/hf"))).isLessThan(1e-5);
    }

    @Test
    void benchStepRunsTheQwenPresetWithItsBiases() {
        CliRun r = CliRun.of("bench", "step", "--preset", "qwen2.5-0.5b", "--layers", "1", "--vocab", "512", "--batch", "1", "--seq", "8",
                "--method", "lora", "--steps", "1", "--warmup", "0", "--threads", "1");
        assertThat(r.exitCode()).as(r.err()).isZero();
        Map<?, ?> shape = (Map<?, ?>) Json.parseObject(r.out().lines().toList().getLast()).get("shape");
        assertThat(shape.get("family")).isEqualTo("qwen2");
        assertThat(shape.get("qkv_bias")).isEqualTo(true);
        assertThat(((Number) shape.get("head_dim")).intValue()).isEqualTo(64);
        assertThat(((Number) shape.get("dim")).intValue()).isEqualTo(896);
    }

    @Test
    void anUnknownPresetIsAUsageError() {
        CliRun r = CliRun.of("bench", "step", "--preset", "gemma-2b");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--preset must be one of stories260k|stories15m|stories110m|llama3.2-1b|qwen2.5-0.5b|llama3-8b, got 'gemma-2b'");
    }

    @Test
    void anUnsupportedRopeScalingIsAOneLineError() throws Exception {
        Path folder = dir.resolve("yarn");
        Files.createDirectories(folder);
        String root = CliRun.shared("golden/families/llama3/hf");
        Files.copy(Path.of(root, "model.safetensors"), folder.resolve("model.safetensors"));
        Files.writeString(folder.resolve("config.json"),
                Files.readString(Path.of(root, "config.json")).replace("\"rope_type\": \"llama3\"", "\"rope_type\": \"yarn\""));
        CliRun r = CliRun.of("logits", "--model", folder.toString(), "--tokens", "1,2");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err().strip()).doesNotContain("\n").contains("config.json: rope_scaling type yarn is not supported").doesNotContain("Exception");
    }
}
