package org.sparselora4j.models.chat;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparselora4j.models.format.ModelFormatException;
import org.sparselora4j.models.template.TemplateException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Where templates are found: tokenizer_config.json (string or named list), chat_template.jinja, GGUF metadata. */
class ChatTemplatesTest {
    @TempDir
    Path dir;

    private static final List<ChatMessage> HELLO = List.of(new ChatMessage(ChatMessage.Role.USER, "Hello"));

    @Test
    void tokenizerConfigStringWithAddedTokenObjects() throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"bos_token": {"__type": "AddedToken", "content": "<s>"}, "eos_token": "</s>",
                 "chat_template": "{{ bos_token }}{% for m in messages %}{{ m.role }}: {{ m.content }}{{ eos_token }}{% endfor %}"}
                """);
        ChatTemplate t = ChatTemplates.fromFolder(dir).orElseThrow();
        assertThat(t.render(HELLO, false)).isEqualTo("<s>user: Hello</s>");
        assertThat(t.origin()).isEqualTo(dir.resolve("tokenizer_config.json") + " chat_template");
    }

    @Test
    void namedTemplatesTakeTheDefaultAndAJinjaFileWins() throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), """
                {"chat_template": [{"name": "tool_use", "template": "tools"}, {"name": "default", "template": "default {{ messages | length }}"}]}
                """);
        assertThat(ChatTemplates.fromFolder(dir).orElseThrow().render(HELLO, false)).isEqualTo("default 1");
        Files.writeString(dir.resolve("chat_template.jinja"), "jinja {{ add_generation_prompt }}\n");
        assertThat(ChatTemplates.fromFolder(dir).orElseThrow().render(HELLO, true)).isEqualTo("jinja True");
    }

    @Test
    void noTemplateIsEmptyAndBadOnesAreOneLineErrors() throws IOException {
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"</s>\"}");
        assertThat(ChatTemplates.fromFolder(dir)).isEmpty();
        assertThat(ChatTemplates.find(dir.resolve("nothing-here"), Optional.empty())).isEmpty();
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": 3}");
        assertThatThrownBy(() -> ChatTemplates.fromFolder(dir)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("chat_template is neither a string nor a list");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"chat_template\": \"{% for m in messages %}{% include 'x' %}{% endfor %}\"}");
        assertThatThrownBy(() -> ChatTemplates.fromFolder(dir)).isInstanceOf(TemplateException.class)
                .hasMessage(dir.resolve("tokenizer_config.json") + " chat_template line 1: unsupported template construct '{% include %}'");
    }

    @Test
    void ggufTemplateMatchesTheHuggingFaceFolder() throws IOException {
        Path family = ChatTemplateReferenceTest.golden().resolve("qwen3");
        if (!Files.isRegularFile(family.resolve("model.gguf"))) {
            System.out.println("skipped: " + family + " is absent");
            Assumptions.abort("golden families absent");
        }
        ChatTemplate gguf = ChatTemplates.find(family.resolve("model.gguf"), Optional.empty()).orElseThrow();
        ChatTemplate hf = ChatTemplates.find(family.resolve("hf"), Optional.empty()).orElseThrow();
        List<ChatMessage> chat = List.of(new ChatMessage(ChatMessage.Role.SYSTEM, "S"), new ChatMessage(ChatMessage.Role.USER, "U"),
                new ChatMessage(ChatMessage.Role.ASSISTANT, "<think>r</think>A"));
        assertThat(gguf.render(chat, false)).isEqualTo(hf.render(chat, false));
        assertThat(gguf.origin()).endsWith("model.gguf tokenizer.chat_template");
        assertThat(gguf.specialTokens()).containsEntry("eos_token", "<|im_end|>");
    }

    @Test
    void ggufTokenIdsOutsideTheVocabularyAreErrors() {
        Map<String, Object> md = Map.of("tokenizer.chat_template", "x", "tokenizer.ggml.tokens", List.of("a"), "tokenizer.ggml.bos_token_id", 5L);
        assertThatThrownBy(() -> ChatTemplates.fromGguf(md, dir.resolve("m.gguf")))
                .hasMessageContaining("tokenizer.ggml.bos_token_id 5 is not a token of the vocabulary");
    }

    @Test
    void messagesFilesRenderWithTheirExtraKeys() throws IOException {
        ChatTemplate t = ChatTemplate.parse("{% for m in messages %}[{{ m.role }}:{{ m.content }}]{% endfor %}{{ tools | length if tools else '' }}"
                + "{% if add_generation_prompt %}>{% endif %}", "t.jinja", Map.of());
        Path obj = Files.writeString(dir.resolve("m.json"), "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"tools\": [1, 2]}");
        assertThat(MessagesFile.render(obj, t, true)).isEqualTo("[user:hi]2>");
        Path list = Files.writeString(dir.resolve("l.json"), "[{\"role\": \"tool\", \"content\": \"x\"}]");
        assertThat(MessagesFile.render(list, t, false)).isEqualTo("[tool:x]");
        Path jsonl = Files.writeString(dir.resolve("c.jsonl"), "{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}]}\n{\"messages\": []}\n");
        assertThat(MessagesFile.render(jsonl, t, false)).isEqualTo("[user:a]");
        Path bad = Files.writeString(dir.resolve("b.json"), "{\"messages\": [{\"content\": \"x\"}]}");
        assertThatThrownBy(() -> MessagesFile.render(bad, t, false)).hasMessageContaining("b.json").hasMessageContaining("messages[0]");
    }
}
