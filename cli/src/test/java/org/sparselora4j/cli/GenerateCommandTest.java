package org.sparselora4j.cli;

import org.junit.jupiter.api.Test;
import org.sparselora4j.models.format.Llama2cTokenizer;
import org.sparselora4j.models.format.Tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class GenerateCommandTest {
    static String[] generate(String prompt, String... more) {
        List<String> argv = new java.util.ArrayList<>(List.of("generate", "--model", CliRun.shared("models/stories260K.bin"),
                "--tokenizer", CliRun.shared("models/tok512.bin"), "--prompt", prompt));
        argv.addAll(List.of(more));
        return argv.toArray(String[]::new);
    }

    /** The prompts of the golden file and run.c's output for each, its final newline included. */
    static Map<String, String> goldenTexts() throws Exception {
        Map<String, String> texts = new LinkedHashMap<>();
        String prompt = null;
        StringBuilder body = new StringBuilder();
        for (String line : Files.readAllLines(Path.of(CliRun.shared("golden/stories260K-greedy-text.txt")))) {
            if (line.startsWith("== prompt: ")) {
                if (prompt != null) texts.put(prompt, body.toString());
                prompt = line.substring("== prompt: ".length());
                body.setLength(0);
            } else {
                body.append(line).append('\n');
            }
        }
        texts.put(prompt, body.toString());
        return texts;
    }

    @Test
    void greedyTextMatchesRunCForBothPrompts() throws Exception {
        Tokenizer tokenizer = Llama2cTokenizer.load(Path.of(CliRun.shared("models/tok512.bin")));
        Map<String, String> golden = goldenTexts();
        assertThat(golden).hasSize(2);
        for (Map.Entry<String, String> e : golden.entrySet()) {
            // run.c -n 120: 120 positions with BOS and the prompt, so 121 − P new tokens for a prompt of P tokens.
            int p = tokenizer.encode(e.getKey(), true, false).length;
            CliRun run = CliRun.of(generate(e.getKey(), "--temperature", "0", "--max-tokens", String.valueOf(121 - p)));
            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.out()).isEqualTo(e.getValue());
            assertThat(run.err()).contains("tokens/s");
        }
    }

    @Test
    void otherFormatsAndTheGgufTokenizerGiveTheSameText() throws Exception {
        Map.Entry<String, String> first = goldenTexts().entrySet().iterator().next();
        String maxTokens = "116"; // "Once upon a time" is 5 tokens with BOS
        CliRun gguf = CliRun.of("generate", "--model", CliRun.shared("models/stories260K.gguf"), "--prompt", first.getKey(),
                "--temperature", "0", "--max-tokens", maxTokens);
        assertThat(gguf.exitCode()).as(gguf.err()).isZero();
        assertThat(gguf.out()).isEqualTo(first.getValue());
        CliRun hf = CliRun.of("generate", "--model", CliRun.shared("models/stories260K-hf"), "--tokenizer", CliRun.shared("models/tok512.bin"),
                "--prompt", first.getKey(), "--temperature", "0", "--max-tokens", maxTokens);
        assertThat(hf.exitCode()).as(hf.err()).isZero();
        assertThat(hf.out()).isEqualTo(first.getValue());
    }

    @Test
    void maxTokensCountsNewTokens() {
        CliRun run = CliRun.of(generate("Once upon a time", "--temperature", "0", "--max-tokens", "3"));
        assertThat(run.out()).isEqualTo("Once upon a time, there was\n");
        assertThat(CliRun.of(generate("Once upon a time", "--temperature", "0", "--max-tokens", "0")).out()).isEqualTo("Once upon a time\n");
    }

    @Test
    void aSeedRepeatsASampledText() {
        CliRun a = CliRun.of(generate("Zoo", "--temperature", "1", "--top-p", "0.9", "--seed", "42", "--max-tokens", "40"));
        CliRun b = CliRun.of(generate("Zoo", "--temperature", "1", "--top-p", "0.9", "--seed", "42", "--max-tokens", "40"));
        CliRun c = CliRun.of(generate("Zoo", "--temperature", "1", "--top-p", "0.9", "--seed", "43", "--max-tokens", "40"));
        assertThat(a.exitCode()).as(a.err()).isZero();
        assertThat(a.out()).startsWith("Zoo").isEqualTo(b.out()).isNotEqualTo(c.out());
    }

    @Test
    void aPromptLongerThanTheContextIsAnError() {
        CliRun run = CliRun.of(generate("Once upon a time ".repeat(200), "--temperature", "0"));
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err().strip()).doesNotContain("\n").contains("--prompt").contains("longer than the context of 512");
    }

    @Test
    void aMissingModelIsNamed() {
        CliRun run = CliRun.of("generate", "--model", "no/such/model.bin", "--tokenizer", "tok.bin", "--prompt", "hi");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err().strip()).doesNotContain("\n").contains("--model no/such/model.bin: no such file");
    }

    @Test
    void aMissingTokenizerIsNamed() {
        CliRun run = CliRun.of("generate", "--model", CliRun.shared("models/stories260K.bin"), "--tokenizer", "nope.bin", "--prompt", "hi");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("--tokenizer nope.bin: no such file");
    }

    @Test
    void badFlagsAreUsageErrors() {
        assertThat(CliRun.of(generate("x", "--seed", "0")).exitCode()).isEqualTo(2);
        assertThat(CliRun.of(generate("x", "--top-p", "1.5")).exitCode()).isEqualTo(2);
        assertThat(CliRun.of(generate("x", "--temperature", "-1")).exitCode()).isEqualTo(2);
        CliRun noTokenizer = CliRun.of("generate", "--model", CliRun.shared("models/stories260K.bin"), "--prompt", "x");
        assertThat(noTokenizer.exitCode()).isEqualTo(2);
        assertThat(noTokenizer.err()).contains("--tokenizer is required").contains("stories260K.bin holds no tokenizer");
    }
}
