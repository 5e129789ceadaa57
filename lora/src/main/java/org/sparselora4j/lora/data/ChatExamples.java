package org.sparselora4j.lora.data;

import org.sparselora4j.models.chat.ChatMessage;
import org.sparselora4j.models.chat.ChatTemplate;
import org.sparselora4j.models.format.Tokenizer;
import org.sparselora4j.models.template.TemplateException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Conversations into training examples: rendered with the model's chat template, tokenized as transformers
 * tokenizes a rendered chat (the text alone, no BOS or EOS added: the template writes the ones it wants), with the
 * loss on the assistant turns only. The assistant turns' character spans ({@link ChatTemplate#renderForTraining})
 * become token positions by tokenizing the text up to each span boundary: the tokens that the prefix shares with
 * the whole lie before it, so a token that straddles a span's start carries the loss.
 */
final class ChatExamples {
    private final Tokenizer tokenizer;
    private final ChatTemplate template;

    ChatExamples(Tokenizer tokenizer, ChatTemplate template) {
        this.tokenizer = tokenizer;
        this.template = template;
    }

    /** The messages of a record: a list of {role, content} objects with roles system, user or assistant. */
    static List<ChatMessage> messages(Object field, String where) {
        if (!(field instanceof List<?> list)) throw new DatasetException(where + ": \"messages\" must be a list of {\"role\", \"content\"} objects");
        if (list.isEmpty()) throw new DatasetException(where + ": \"messages\" is empty");
        List<ChatMessage> out = new ArrayList<>();
        boolean assistant = false;
        for (int i = 0; i < list.size(); i++) {
            String at = where + ": messages[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> m)) throw new DatasetException(at + ": expected an object with \"role\" and \"content\"");
            if (!(m.get("role") instanceof String role)) throw new DatasetException(at + ".role: expected a string");
            ChatMessage.Role r = ChatMessage.Role.of(role);
            if (r == null) throw new DatasetException(at + ".role: unknown role \"" + role + "\" (expected system, user or assistant)");
            if (!(m.get("content") instanceof String content)) throw new DatasetException(at + ".content: expected a string");
            assistant |= r == ChatMessage.Role.ASSISTANT;
            out.add(new ChatMessage(r, content));
        }
        if (!assistant) throw new DatasetException(where + ": messages: no assistant turn, so nothing to learn from");
        return out;
    }

    /** The Alpaca record as a conversation: the instruction (and input, after a blank line) asked, the output answered. */
    static List<ChatMessage> alpaca(String instruction, String input, String output) {
        String ask = input == null || input.isBlank() ? instruction : instruction + "\n\n" + input;
        return List.of(new ChatMessage(ChatMessage.Role.USER, ask), new ChatMessage(ChatMessage.Role.ASSISTANT, output));
    }

    /** Tokens and labels of a conversation, before any cut to the context. */
    Example example(List<ChatMessage> messages, String where) {
        ChatTemplate.Rendered r;
        try {
            r = template.renderForTraining(messages);
        } catch (IllegalArgumentException | IllegalStateException | TemplateException e) {
            throw new DatasetException(where + ": " + e.getMessage());
        }
        String text = r.text();
        int[] tokens = tokenizer.encode(text, false, false, true);
        boolean[] labelled = new boolean[tokens.length];
        for (ChatTemplate.Span s : r.assistantSpans()) {
            int from = tokensBefore(text, s.start(), tokens);
            int to = s.end() == text.length() ? tokens.length : tokensBefore(text, s.end(), tokens);
            for (int i = Math.max(1, from); i < to; i++) labelled[i] = true;
        }
        int last = tokens.length - 1;
        while (last > 0 && !labelled[last]) last--;
        if (last < 1) throw new DatasetException(where + ": the assistant turns render to no tokens");
        return new Example(Arrays.copyOf(tokens, last + 1), Arrays.copyOf(labelled, last + 1));  // trailing prompt text teaches nothing
    }

    private int tokensBefore(String text, int at, int[] whole) {
        if (at == 0) return 0;
        int[] prefix = tokenizer.encode(text.substring(0, at), false, false, true);
        int n = Math.min(prefix.length, whole.length);
        int i = 0;
        while (i < n && prefix[i] == whole[i]) i++;
        return i;
    }
}
