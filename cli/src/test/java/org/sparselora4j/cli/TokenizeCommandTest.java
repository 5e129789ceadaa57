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

class TokenizeCommandTest {
    @TempDir
    Path tmp;

    static List<Integer> tokens(CliRun run) {
        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).endsWith("\n").doesNotContain("\n{");
        Map<String, Object> result = Json.parseObject(run.out());
        return ((List<?>) result.get("tokens")).stream().map(t -> ((Number) t).intValue()).toList();
    }

    @ParameterizedTest
    @ValueSource(strings = {"golden/families/llama3/hf", "golden/families/llama3/model.gguf"})
    void llama3AddsBeginOfTextAndParsesMarkupOnlyWhenAsked(String model) {
        String m = CliRun.shared(model);
        CliRun run = CliRun.of("tokenize", "--model", m, "--text", "Hello world");
        assertThat(tokens(run)).containsExactly(128000, 9906, 1917);
        assertThat(Json.parseObject(run.out()).get("text")).isEqualTo("Hello world");
        assertThat(tokens(CliRun.of("tokenize", "--model", m, "--text", "Hello world", "--no-bos"))).containsExactly(9906, 1917);
        assertThat(tokens(CliRun.of("tokenize", "--model", m, "--text", "<|eot_id|>", "--no-bos", "--special"))).containsExactly(128009);
        assertThat(tokens(CliRun.of("tokenize", "--model", m, "--text", "<|eot_id|>", "--no-bos"))).hasSizeGreaterThan(1);
    }

    @Test
    void qwenAddsNoBos() {
        String m = CliRun.shared("golden/families/qwen2/hf");
        List<Integer> ids = tokens(CliRun.of("tokenize", "--model", m, "--text", "Hello world"));
        assertThat(ids).isEqualTo(tokens(CliRun.of("tokenize", "--model", m, "--text", "Hello world", "--no-bos")));
        assertThat(ids).containsExactly(9707, 1879);
    }

    @Test
    void tokenizerFlagWinsAndBadInputIsOneLine() throws Exception {
        String hf = CliRun.shared("golden/families/qwen2/hf");
        List<Integer> viaFlag = tokens(CliRun.of("tokenize", "--model", CliRun.shared("golden/families/llama3/model.gguf"),
                "--tokenizer", hf + "/tokenizer.json", "--text", "Hello world"));
        assertThat(viaFlag).containsExactly(9707, 1879);

        CliRun both = CliRun.of("tokenize", "--model", hf, "--text", "x", "--messages", "m.json");
        assertThat(both.exitCode()).isEqualTo(2);
        assertThat(both.err()).contains("exactly one of --text and --messages");

        Path dir = tmp.resolve("bad");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("config.json"), "{}");
        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1, \"<s>\": 2, \"</s>\": 3}, \"merges\": [\"a b\"]}}");
        CliRun bad = CliRun.of("tokenize", "--model", dir.toString(), "--text", "ab");
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.err().strip()).doesNotContain("\n").doesNotContain("Exception")
                .contains(dir.resolve("tokenizer.json").toString()).contains("model.merges[0] \"a b\" names \"ab\", which is not in the vocab");
    }

    @Test
    void messagesAreRenderedWithTheChatTemplate() throws Exception {
        String m = CliRun.shared("golden/families/qwen3/hf");
        Path file = tmp.resolve("chat.json");
        Files.writeString(file, "{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}, {\"role\": \"assistant\", \"content\": \"Hello!\"}]}");
        CliRun run = CliRun.of("tokenize", "--model", m, "--messages", file.toString());
        List<Integer> ids = tokens(run);
        String text = (String) Json.parseObject(run.out()).get("text");
        assertThat(text).startsWith("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
        assertThat(ids.getFirst()).isEqualTo(151644);   // <|im_start|> as one token
        assertThat(ids).isEqualTo(tokens(CliRun.of("tokenize", "--model", m, "--text", text, "--special")));
    }
}
