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
}
