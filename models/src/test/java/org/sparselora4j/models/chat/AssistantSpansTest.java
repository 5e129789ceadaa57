package org.sparselora4j.models.chat;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The assistant spans of {@link ChatTemplate#renderForTraining} on every reference template: each span holds
 * its turn's content (trimmed, as templates print it, without the reasoning the template drops) and ends with
 * the turn's end marker; spans are in order, never overlap, and never cover a user or system message.
 */
class AssistantSpansTest {
    private static ChatMessage m(ChatMessage.Role role, String content) {
        return new ChatMessage(role, content);
    }

    private static final ChatMessage.Role S = ChatMessage.Role.SYSTEM;
    private static final ChatMessage.Role U = ChatMessage.Role.USER;
    private static final ChatMessage.Role A = ChatMessage.Role.ASSISTANT;

    private static final List<List<ChatMessage>> CONVERSATIONS = List.of(
            List.of(m(U, "Hi there"), m(A, "Hello!")),
            List.of(m(S, "Be brief."), m(U, "2+2?"), m(A, "4"), m(U, "3+3?"), m(A, "6")),
            List.of(m(U, "  padded  "), m(A, "\n spaced answer \n"), m(U, "again"), m(A, "ok")),
            List.of(m(U, "Q1"), m(A, "<think>r1</think>a1"), m(U, "Q2"), m(A, "<think>\nr2\n</think>\n\na2")),
            List.of(m(U, "emoji 🌍"), m(A, "réponse ✓ 👍🏽"), m(U, "x"), m(A, "")));

    private static final Map<String, String> WRITTEN = Map.of(
            "llama3.1.jinja", "<|begin_of_text|>,<|eot_id|>", "llama3.2.jinja", "<|begin_of_text|>,<|eot_id|>",
            "qwen2.5.jinja", ",<|im_end|>", "mistral-v0.1.jinja", "<s>,</s>", "mistral-v0.3.jinja", "<s>,</s>",
            "smollm2.jinja", ",<|im_end|>");

    private static String resource(String name) throws IOException {
        try (var in = AssistantSpansTest.class.getResourceAsStream("/chat/" + name)) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    private static void check(ChatTemplate t) {
        for (List<ChatMessage> chat : CONVERSATIONS) {
            boolean system = chat.getFirst().role() == S;
            if (t.origin().contains("mistral-v0.1") && system) continue;          // that template refuses a system message
            ChatTemplate.Rendered r = t.renderForTraining(chat);
            List<ChatMessage> answers = chat.stream().filter(x -> x.role() == A).toList();
            assertThat(r.assistantSpans()).as(t.origin()).hasSize(answers.size());
            int previousEnd = 0;
            for (int i = 0; i < answers.size(); i++) {
                ChatTemplate.Span s = r.assistantSpans().get(i);
                String span = r.text().substring(s.start(), s.end());
                String content = answers.get(i).content().strip();
                if (content.contains("</think>")) content = content.substring(content.indexOf("</think>") + 8).strip();
                assertThat(s.start()).as(t.origin() + " " + r.text()).isGreaterThanOrEqualTo(previousEnd);
                assertThat(span).as(t.origin() + " span " + i + " of " + r.text()).contains(content).matches("(?s).*<[^<>\\s]+>");
                for (ChatMessage other : chat) {
                    if (other.role() != A && other.content().strip().length() > 3) assertThat(span).doesNotContain(other.content().strip());
                }
                previousEnd = s.end();
            }
        }
    }

    @Test
    void writtenDownTemplates() throws IOException {
        for (Map.Entry<String, String> e : WRITTEN.entrySet()) {
            String[] special = e.getValue().split(",", -1);
            Map<String, String> tokens = special[0].isEmpty() ? Map.of("eos_token", special[1]) : Map.of("bos_token", special[0], "eos_token", special[1]);
            check(ChatTemplate.parse(resource(e.getKey()), e.getKey(), tokens));
        }
    }

    @Test
    void goldenFamilies() throws IOException {
        for (String family : List.of("llama3", "qwen2", "qwen3")) {
            var dir = ChatTemplateReferenceTest.golden().resolve(family).resolve("hf");
            if (!Files.isDirectory(dir)) {
                System.out.println("skipped: " + dir + " is absent");
                continue;
            }
            check(ChatTemplates.fromFolder(dir).orElseThrow());
        }
    }
}
