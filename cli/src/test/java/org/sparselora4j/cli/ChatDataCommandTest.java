package org.sparselora4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparselora4j.models.format.Json;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Chat data through the commands: the model's own template, {@code --chat-template}, and one-line errors. */
class ChatDataCommandTest {
    @TempDir
    Path dir;

    private static final String RECORD = "{\"messages\": [{\"role\": \"user\", \"content\": \"Who?\"}, {\"role\": \"assistant\", \"content\": \"Ada\"}]}\n";

    @Test
    void evalRendersWithTheModelsTemplateOrTheOneGiven() throws Exception {
        String model = CliRun.shared("golden/families/llama3-untied/hf");
        Path data = Files.writeString(dir.resolve("chat.jsonl"), RECORD.repeat(3));
        CliRun own = CliRun.of("eval", "--model", model, "--data", data.toString());
        assertThat(own.exitCode()).as(own.err()).isZero();
        Map<String, Object> result = Json.parseObject(own.out().strip().lines().reduce((a, b) -> b).orElseThrow());
        assertThat(((Number) result.get("examples")).intValue()).isEqualTo(3);

        Path template = Files.writeString(dir.resolve("t.jinja"), "{{ bos_token }}{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}");
        CliRun given = CliRun.of("eval", "--model", model, "--data", data.toString(), "--chat-template", template.toString());
        assertThat(given.exitCode()).as(given.err()).isZero();
        assertThat(given.out()).isNotEqualTo(own.out());
    }

    @Test
    void badRecordsAndTemplatesAreOneLineErrors() throws Exception {
        String model = CliRun.shared("golden/families/llama3-untied/hf");
        Path data = Files.writeString(dir.resolve("bad.jsonl"), "{\"messages\": [{\"role\": \"robot\", \"content\": \"x\"}]}\n");
        CliRun run = CliRun.of("eval", "--model", model, "--data", data.toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err().strip()).isEqualTo("sparselora4j eval: " + data + " line 1: messages[0].role: unknown role \"robot\" (expected system, user or assistant)");

        Path template = Files.writeString(dir.resolve("t.jinja"), "{% for m in messages %}{% include 'other' %}{% endfor %}");
        Path good = Files.writeString(dir.resolve("good.jsonl"), RECORD);
        CliRun t = CliRun.of("eval", "--model", model, "--data", good.toString(), "--chat-template", template.toString());
        assertThat(t.exitCode()).isEqualTo(1);
        assertThat(t.err().strip()).isEqualTo("sparselora4j eval: " + template + " line 1: unsupported template construct '{% include %}'");
    }

    private static final String CONVERSATION = "{\"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"},"
            + " {\"role\": \"user\", \"content\": \"O\u00f9 est \u6771\u4eac? \ud83c\udf0d\"},"
            + " {\"role\": \"assistant\", \"content\": \"<think>\\nJapan.\\n</think>\\n\\nIn Japan.\"}]}";

    /** transformers 5.18: AutoTokenizer.from_pretrained(folder).apply_chat_template(messages, tokenize=True). */
    private static final Map<String, String> TRANSFORMERS_IDS = Map.of(
            "qwen3", "[151644,8948,198,3430,9814,13,151645,198,151644,872,198,46,14926,1788,60596,109,46553,30,11162,234,235,151645,198,"
                    + "151644,77091,198,151667,198,48752,624,151668,271,641,6323,13,151645,198]",
            "llama3", "[128000,128006,9125,128007,271,3513,10015,13,128009,128006,882,128007,271,46,15273,1826,119109,30,11410,234,235,"
                    + "128009,128006,78191,128007,271,14023,771,397,49852,627,524,27963,1363,644,6457,13,128009,128006,78191,128007,271]");

    @Test
    void tokenizeMessagesGivesTransformersIds() throws Exception {
        Path messages = Files.writeString(dir.resolve("m.json"), CONVERSATION);
        for (Map.Entry<String, String> e : TRANSFORMERS_IDS.entrySet()) {
            CliRun run = CliRun.of("tokenize", "--model", CliRun.shared("golden/families/" + e.getKey() + "/hf"), "--messages", messages.toString());
            assertThat(run.exitCode()).as(run.err()).isZero();
            Map<String, Object> result = Json.parseObject(run.out());
            assertThat(Json.write(result.get("tokens"))).as(e.getKey()).isEqualTo(e.getValue());
        }
        CliRun prompt = CliRun.of("tokenize", "--model", CliRun.shared("golden/families/qwen3/hf"), "--messages", messages.toString(), "--generation-prompt");
        assertThat((String) Json.parseObject(prompt.out()).get("text")).endsWith("<|im_end|>\n<|im_start|>assistant\n");
    }

    @Test
    void tokenizeMessagesWithoutATemplateIsAnError() throws Exception {
        Path messages = Files.writeString(dir.resolve("m.json"), CONVERSATION);
        String model = CliRun.shared("models/stories260K.gguf");
        CliRun run = CliRun.of("tokenize", "--model", model, "--messages", messages.toString());
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains(model).contains("has no chat template").contains("--chat-template");
    }
}
