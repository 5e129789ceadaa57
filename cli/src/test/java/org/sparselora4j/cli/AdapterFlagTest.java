package org.sparselora4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparselora4j.lora.LoraAdapter;
import org.sparselora4j.models.format.Json;
import org.sparselora4j.models.llama.LlamaInference;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.tensor.Tensor;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** {@code --adapter DIR} on {@code logits} and {@code generate}. */
class AdapterFlagTest {
    @TempDir
    Path dir;

    private static final String TOKENS = "1,403,407,261,378,426,261,300,352";

    static List<?> lastLogits(CliRun run) {
        assertThat(run.exitCode()).as(run.err()).isZero();
        return (List<?>) Json.parseObject(run.out()).get("logits");
    }

    @Test
    void logitsWithAnAdapterAreTheLogitsOfTheMergedWeights() throws Exception {
        LlamaWeights base = Adapters.stories260K();
        LoraAdapter adapter = Adapters.make(base, 0.05f, 1);
        Path a = Adapters.write(dir.resolve("a"), adapter);
        String model = CliRun.shared("models/stories260K.bin");
        List<?> withAdapter = lastLogits(CliRun.of("logits", "--model", model, "--tokens", TOKENS, "--adapter", a.toString()));
        List<?> without = lastLogits(CliRun.of("logits", "--model", model, "--tokens", TOKENS));

        int[] ids = LogitsCommand.parseTokens(TOKENS);
        Tensor expected = new LlamaInference(adapter.merged()).newSession().prefill(ids);
        LogitsCommandTest.assertRowClose(withAdapter, toList(expected.row(ids.length - 1).toArray()), "merged");
        double maxDiff = 0;
        for (int i = 0; i < without.size(); i++) {
            maxDiff = Math.max(maxDiff, Math.abs(((Number) without.get(i)).doubleValue() - ((Number) withAdapter.get(i)).doubleValue()));
        }
        assertThat(maxDiff).as("the adapter must change the logits").isGreaterThan(1e-2);
    }

    @Test
    void aFreshAdapterChangesNothing() throws Exception {
        Path a = Adapters.write(dir.resolve("fresh"), Adapters.make(Adapters.stories260K(), 0f, 2));
        String model = CliRun.shared("models/stories260K.bin");
        List<?> withAdapter = lastLogits(CliRun.of("logits", "--model", model, "--tokens", TOKENS, "--adapter", a.toString()));
        List<?> without = lastLogits(CliRun.of("logits", "--model", model, "--tokens", TOKENS));
        assertThat(withAdapter).isEqualTo(without);
        String[] generate = GenerateCommandTest.generate("Once upon a time", "--temperature", "0", "--max-tokens", "20");
        CliRun plain = CliRun.of(generate);
        CliRun adapted = CliRun.of(append(generate, "--adapter", a.toString()));
        assertThat(adapted.exitCode()).as(adapted.err()).isZero();
        assertThat(adapted.out()).isEqualTo(plain.out());
    }

    @Test
    void generateWithAStrongAdapterWritesAnotherText() throws Exception {
        Path a = Adapters.write(dir.resolve("strong"), Adapters.make(Adapters.stories260K(), 0.5f, 3));
        String[] generate = GenerateCommandTest.generate("Once upon a time", "--temperature", "0", "--max-tokens", "20");
        CliRun plain = CliRun.of(generate);
        CliRun adapted = CliRun.of(append(generate, "--adapter", a.toString()));
        assertThat(adapted.exitCode()).as(adapted.err()).isZero();
        assertThat(adapted.out()).startsWith("Once upon a time").isNotEqualTo(plain.out());
    }

    @Test
    void badAdaptersAreNamedInOneLine() throws Exception {
        String model = CliRun.shared("models/stories260K.bin");
        CliRun missing = CliRun.of("logits", "--model", model, "--tokens", "1,2", "--adapter", "no/such/adapter");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.out()).isEmpty();
        assertThat(missing.err().strip()).isEqualTo("sparselora4j logits: --adapter no/such/adapter: no such folder");

        Path file = Files.writeString(dir.resolve("file.json"), "{}");
        assertThat(CliRun.of("logits", "--model", model, "--tokens", "1,2", "--adapter", file.toString()).err()).contains("not a folder");

        Path broken = Adapters.write(dir.resolve("broken"), Adapters.make(Adapters.stories260K(), 0f, 4));
        Files.writeString(broken.resolve("adapter_config.json"), "{\"peft_type\": \"IA3\"}");
        CliRun wrongType = CliRun.of(GenerateCommandTest.generate("Hi", "--temperature", "0", "--adapter", broken.toString()));
        assertThat(wrongType.exitCode()).isEqualTo(1);
        assertThat(wrongType.err().strip()).doesNotContain("\n").contains("adapter_config.json").contains("peft_type is \"IA3\", expected \"LORA\"");
    }

    static String[] append(String[] argv, String... more) {
        String[] all = java.util.Arrays.copyOf(argv, argv.length + more.length);
        System.arraycopy(more, 0, all, argv.length, more.length);
        return all;
    }

    static List<Object> toList(float[] values) {
        List<Object> list = new java.util.ArrayList<>();
        for (float v : values) list.add((double) v);
        return list;
    }
}
