package org.sparselora4j.lora.data;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparselora4j.models.chat.ChatTemplate;
import org.sparselora4j.models.chat.ChatTemplates;
import org.sparselora4j.models.format.HuggingFaceTokenizer;
import org.sparselora4j.models.format.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Chat records through a chat template, the loss on the assistant turns: checked with a one-char-per-token
 * tokenizer (so labelled tokens read back as text) on the real Qwen3, Llama 3 and Mistral templates, and with
 * the real Qwen tokenizer, whose special tokens are single ids.
 */
class ChatDataTest {
    @TempDir
    Path dir;

    private final List<String> warnings = new ArrayList<>();

    static Path golden(String family) {
        Path p = Path.of(System.getProperty("sparselora4j.shared", "../shared")).resolve("golden/families").resolve(family).resolve("hf");
        if (!Files.isDirectory(p)) {
            String reason = "skipped: " + p.toAbsolutePath() + " is absent";
            System.out.println(reason);
            Assumptions.abort(reason);
        }
        return p;
    }

    private static ChatTemplate template(String family) throws IOException {
        return ChatTemplates.fromFolder(golden(family)).orElseThrow();
    }

    private static final String MISTRAL = "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
            + "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
            + "{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}"
            + "{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% endif %}{% endfor %}";

    /** The labelled characters of each example, run by run. */
    private static List<String> labelledRuns(Example e) {
        List<String> runs = new ArrayList<>();
        StringBuilder run = null;
        int[] t = e.tokens();
        boolean[] l = e.labelled();
        for (int i = 0; i < t.length; i++) {
            if (l[i]) {
                if (run == null) run = new StringBuilder();
                run.append(t[i] < 3 ? "<eos>" : String.valueOf((char) (t[i] - 3)));
            } else if (run != null) {
                runs.add(run.toString());
                run = null;
            }
        }
        if (run != null) runs.add(run.toString());
        return runs;
    }

    private List<Example> read(String jsonl, Optional<ChatTemplate> template) throws IOException {
        return read(jsonl, template, new CharTokenizer(), 4096);
    }

    private List<Example> read(String jsonl, Optional<ChatTemplate> template, Tokenizer tokenizer, int maxSeq) throws IOException {
        Path f = Files.writeString(dir.resolve("chat.jsonl"), jsonl);
        return new DatasetReader(tokenizer, maxSeq, warnings::add, template).read(f);
    }

    private static final String CHAT = "{\"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": \"Q1\"},"
            + " {\"role\": \"assistant\", \"content\": \"A1\"}, {\"role\": \"user\", \"content\": \"Q2\"}, {\"role\": \"assistant\", \"content\": \"A2\"}]}\n";

    @Test
    void qwenChatLabelsEachAnswerAndItsEndOfTurn() throws IOException {
        List<Example> ex = read(CHAT, Optional.of(template("qwen3")));
        assertThat(labelledRuns(ex.getFirst())).containsExactly("A1<|im_end|>", "<think>\n\n</think>\n\nA2<|im_end|>");
    }

    @Test
    void qwenThinkingOfTheLastTurnIsLearnedAndEarlierReasoningIsDroppedAsTheTemplateDoes() throws IOException {
        String jsonl = "{\"messages\": [{\"role\": \"user\", \"content\": \"Q1\"}, {\"role\": \"assistant\", \"content\": \"<think>r1</think>a1\"},"
                + " {\"role\": \"user\", \"content\": \"Q2\"}, {\"role\": \"assistant\", \"content\": \"<think>\\nr2\\n</think>\\n\\na2\"}]}\n";
        List<Example> ex = read(jsonl, Optional.of(template("qwen3")));
        assertThat(labelledRuns(ex.getFirst())).containsExactly("a1<|im_end|>", "<think>\nr2\n</think>\n\na2<|im_end|>");
    }

    @Test
    void llama3ChatLabelsAnswersAndEotAndDropsTheTrailingHeader() throws IOException {
        List<Example> ex = read(CHAT, Optional.of(template("llama3")));
        assertThat(labelledRuns(ex.getFirst())).containsExactly("A1<|eot_id|>", "A2<|eot_id|>");
        String text = new CharTokenizer().decode(ex.getFirst().tokens());
        assertThat(text).startsWith("<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>").endsWith("A2<|eot_id|>");
    }

    @Test
    void mistralLabelsAnswerAndEos() throws IOException {
        ChatTemplate mistral = ChatTemplate.parse(MISTRAL, "mistral.jinja", Map.of("bos_token", "<s>", "eos_token", "</s>"));
        String jsonl = "{\"messages\": [{\"role\": \"user\", \"content\": \"Q1\"}, {\"role\": \"assistant\", \"content\": \"A1\"},"
                + " {\"role\": \"user\", \"content\": \"Q2\"}, {\"role\": \"assistant\", \"content\": \"A2\"}]}\n";
        assertThat(labelledRuns(read(jsonl, Optional.of(mistral)).getFirst())).containsExactly("A1</s>", "A2</s>");
    }

    @Test
    void alpacaGoesThroughTheTemplateOrAlpacasOwnFormat() throws IOException {
        String jsonl = "{\"instruction\": \"Add.\", \"input\": \"2 and 3\", \"output\": \"5\"}\n{\"instruction\": \"Greet.\", \"output\": \"Hi\"}\n";
        List<Example> chat = read(jsonl, Optional.of(template("qwen3")));
        assertThat(new CharTokenizer().decode(chat.get(0).tokens())).isEqualTo("<|im_start|>user\nAdd.\n\n2 and 3<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n5<|im_end|>");
        List<Example> plain = read(jsonl, Optional.empty());
        String prompt = new CharTokenizer().decode(plain.get(1).tokens());
        assertThat(prompt).contains("### Instruction:\nGreet.\n\n### Response:\nHi").doesNotContain("### Input");
        assertThat(labelledRuns(plain.get(1))).containsExactly("Hi<eos>");
    }

    @Test
    void badRecordsNameFileLineAndField() throws IOException {
        Optional<ChatTemplate> t = Optional.of(template("qwen3"));
        assertThatThrownBy(() -> read("{\"text\": \"x\"}\n{\"messages\": [{\"role\": \"tool\", \"content\": \"x\"}]}\n", t))
                .isInstanceOf(DatasetException.class)
                .hasMessage(dir.resolve("chat.jsonl") + " line 2: messages[0].role: unknown role \"tool\" (expected system, user or assistant)");
        assertThatThrownBy(() -> read("{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}\n", t))
                .hasMessage(dir.resolve("chat.jsonl") + " line 1: messages: no assistant turn, so nothing to learn from");
        assertThatThrownBy(() -> read("{\"messages\": [{\"role\": \"user\", \"content\": 3}, {\"role\": \"assistant\", \"content\": \"y\"}]}\n", t))
                .hasMessageEndingWith("line 1: messages[0].content: expected a string");
        assertThatThrownBy(() -> read("{\"messages\": \"hi\"}\n", t)).hasMessageContaining("line 1: \"messages\" must be a list");
        assertThatThrownBy(() -> read("{\"instruction\": 1, \"output\": \"y\"}\n", t)).hasMessageEndingWith("line 1: instruction: expected a string");
    }

    @Test
    void aModelWithoutATemplateCannotReadMessages() {
        assertThatThrownBy(() -> read(CHAT, Optional.empty()))
                .isInstanceOf(DatasetException.class)
                .hasMessageContaining("line 1: a \"messages\" record needs the model's chat template, and the model has none")
                .hasMessageContaining("--chat-template");
    }

    @Test
    void aTemplateThatRaisesNamesTheLine() throws IOException {
        ChatTemplate mistral = ChatTemplate.parse(MISTRAL, "mistral.jinja", Map.of("bos_token", "<s>", "eos_token", "</s>"));
        String jsonl = "{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"user\", \"content\": \"b\"}, {\"role\": \"assistant\", \"content\": \"c\"}]}\n";
        assertThatThrownBy(() -> read(jsonl, Optional.of(mistral)))
                .hasMessageContaining("line 1")
                .hasMessageContaining("mistral.jinja: the template raised an error: Conversation roles must alternate");
    }

    @Test
    void longConversationsAreCutAtTheEnd() throws IOException {
        List<Example> ex = read(CHAT, Optional.of(template("llama3")), new CharTokenizer(), 200);
        assertThat(ex.getFirst().length()).isEqualTo(200);
        assertThat(warnings).anySatisfy(w -> assertThat(w).contains("cut to the context of 200"));
    }

    @Test
    void realQwenTokenizerLabelsTheSpecialTokenIds() throws IOException {
        Path hf = golden("qwen3");
        Tokenizer qwen = HuggingFaceTokenizer.load(hf.resolve("tokenizer.json"));
        Example e = read(CHAT, Optional.of(template("qwen3")), qwen, 4096).getFirst();
        int imEnd = qwen.encode("<|im_end|>", false, false)[0];
        int[] t = e.tokens();
        boolean[] l = e.labelled();
        List<Integer> labelled = new ArrayList<>();
        for (int i = 0; i < t.length; i++) if (l[i]) labelled.add(t[i]);
        int[] a1 = qwen.encode("A1<|im_end|>", false, false);
        assertThat(labelled.subList(0, a1.length)).containsExactly(java.util.Arrays.stream(a1).boxed().toArray(Integer[]::new));
        assertThat(labelled.getLast()).isEqualTo(imEnd);
        assertThat(t[t.length - 1]).isEqualTo(imEnd);
    }
}
