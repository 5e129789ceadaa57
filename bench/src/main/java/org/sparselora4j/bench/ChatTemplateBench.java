package org.sparselora4j.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.sparselora4j.models.chat.ChatMessage;
import org.sparselora4j.models.chat.ChatTemplate;
import org.sparselora4j.models.chat.ChatTemplates;

/**
 * What does the chat template cost per training conversation: one rendering, and the rendering with the
 * assistant spans (1 + 2 per assistant turn renderings), on Qwen3's template (the longest of the families, with
 * its reverse scan and think handling) from {@code ../shared/golden/families/qwen3/hf}? If it is small next to
 * tokenizing the same text, data loading needs no cache of rendered text.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--add-modules=jdk.incubator.vector")
@State(Scope.Benchmark)
public class ChatTemplateBench {
    /** Assistant turns in the conversation (each after a user turn, after one system message). */
    @Param({"1", "4"})
    int turns;

    private ChatTemplate template;
    private List<ChatMessage> conversation;

    @Setup
    public void setup() throws IOException {
        Path dir = Path.of(System.getProperty("sparselora4j.shared", "../shared")).resolve("golden/families/qwen3/hf");
        template = ChatTemplates.fromFolder(dir).orElseThrow(() -> new IllegalStateException(dir + " holds no chat template"));
        conversation = new ArrayList<>();
        conversation.add(new ChatMessage(ChatMessage.Role.SYSTEM, "You are a helpful assistant. Answer briefly and precisely."));
        for (int i = 0; i < turns; i++) {
            conversation.add(new ChatMessage(ChatMessage.Role.USER, "Question " + i + ": what is the capital of the country whose flag is described here, and why?"));
            conversation.add(new ChatMessage(ChatMessage.Role.ASSISTANT, "<think>\nThe flag points to one country.\n</think>\n\nThe capital is Paris, because the flag is France's."));
        }
    }

    @Benchmark
    public String render() {
        return template.render(conversation, false);
    }

    @Benchmark
    public ChatTemplate.Rendered renderWithSpans() {
        return template.renderForTraining(conversation);
    }
}
