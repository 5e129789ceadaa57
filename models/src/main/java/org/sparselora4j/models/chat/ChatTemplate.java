package org.sparselora4j.models.chat;

import org.sparselora4j.models.template.JinjaTemplate;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model's chat template with the special-token strings it is rendered with, giving the same text as
 * transformers' {@code apply_chat_template(messages, tokenize=False, add_generation_prompt=...)}: the template
 * sees {@code messages}, {@code tools} and {@code documents} (none unless given), {@code add_generation_prompt},
 * and {@code bos_token}, {@code eos_token}, ... as the tokenizer config names them.
 */
public final class ChatTemplate {
    /** The text right after an assistant turn's content that ends the turn: {@code <|eot_id|>}, {@code </s>}, ... */
    private static final Pattern END_OF_TURN = Pattern.compile("<[^<>\\s]{1,40}>");
    /** Stands in for an assistant's content while finding where the content lands in the rendering. */
    private static final String PROBE = "\uE000";

    private final JinjaTemplate template;
    private final Map<String, String> specialTokens;

    /** {@code specialTokens}: names such as {@code bos_token} to their strings, as the template sees them. */
    public ChatTemplate(JinjaTemplate template, Map<String, String> specialTokens) {
        this.template = template;
        this.specialTokens = Map.copyOf(specialTokens);
    }

    public static ChatTemplate parse(String source, String origin, Map<String, String> specialTokens) {
        return new ChatTemplate(JinjaTemplate.parse(source, origin), specialTokens);
    }

    public String origin() {
        return template.origin();
    }

    public Map<String, String> specialTokens() {
        return specialTokens;
    }

    /** The conversation as text, ending with the assistant header when {@code addGenerationPrompt}. */
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return renderMaps(asMaps(messages), addGenerationPrompt, Map.of());
    }

    /**
     * The general form: messages as maps (they may carry {@code tool_calls}, {@code reasoning_content}, ...) and
     * extra template variables ({@code tools}, {@code enable_thinking}, {@code date_string}, ...), which win over
     * the special tokens as in transformers.
     */
    public String renderMaps(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt, Map<String, ?> extra) {
        Map<String, Object> context = new HashMap<>(specialTokens);
        context.put("messages", messages);
        context.put("tools", null);
        context.put("documents", null);
        context.put("add_generation_prompt", addGenerationPrompt);
        context.putAll(extra);
        return template.render(context);
    }

    private static List<Map<String, Object>> asMaps(List<ChatMessage> messages) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ChatMessage m : messages) {
            Map<String, Object> map = new LinkedHashMap<>();
            map.put("role", m.role().wire());
            map.put("content", m.content());
            out.add(map);
        }
        return out;
    }

    /** A rendered conversation and, per assistant message, the characters that carry the loss. */
    public record Rendered(String text, List<Span> assistantSpans) {
    }

    /** Characters [start, end) of {@link Rendered#text()}. */
    public record Span(int start, int end) {
        public Span {
            if (start < 0 || end < start) throw new IllegalArgumentException("bad span [" + start + ", " + end + ")");
        }
    }

    /**
     * Renders a training conversation (no generation prompt) and finds each assistant turn's span: from where the
     * generation prompt of that turn ends (what the model would be asked to continue from) to the end of its
     * content plus the end-of-turn marker right after it. Where the template renders earlier turns differently
     * once later ones exist (Qwen3 drops the reasoning of earlier turns), the start is where the content itself
     * begins. Both are found by rendering: the conversation cut before the turn, and the conversation with the
     * turn's content replaced by a probe character.
     */
    public Rendered renderForTraining(List<ChatMessage> messages) {
        List<Map<String, Object>> maps = asMaps(messages);
        String full = renderMaps(maps, false, Map.of());
        List<Span> spans = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i).role() != ChatMessage.Role.ASSISTANT) continue;
            if (messages.get(i).content().contains(PROBE)) {
                throw new IllegalArgumentException("assistant message " + (i + 1) + " contains U+E000, which the span finder reserves");
            }
            List<Map<String, Object>> probed = new ArrayList<>(maps);
            Map<String, Object> m = new LinkedHashMap<>(maps.get(i));
            m.put("content", PROBE);
            probed.set(i, m);
            String other = renderMaps(probed, false, Map.of());
            int prefix = commonPrefix(full, other);
            int suffix = commonSuffix(full, other, prefix);
            int contentEnd = full.length() - suffix;
            if (other.substring(prefix, other.length() - suffix).indexOf(PROBE) < 0) {
                throw new org.sparselora4j.models.template.TemplateException(origin() + ": cannot find assistant message " + (i + 1) + " in the rendered conversation");
            }
            int start = prefix;
            String before = renderPrefix(maps.subList(0, i));
            if (before != null && full.startsWith(before) && before.length() <= contentEnd) start = before.length();
            int end = contentEnd;
            Matcher marker = END_OF_TURN.matcher(full).region(end, full.length());
            if (marker.lookingAt()) end = marker.end();
            spans.add(new Span(Math.min(start, contentEnd), end));
        }
        return new Rendered(full, spans);
    }

    /** The conversation before an assistant turn, with the generation prompt; null when the template refuses it. */
    private String renderPrefix(List<Map<String, Object>> head) {
        if (head.isEmpty()) return null;
        try {
            return renderMaps(head, true, Map.of());
        } catch (org.sparselora4j.models.template.TemplateException e) {
            return null;
        }
    }

    private static int commonPrefix(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int i = 0;
        while (i < n && a.charAt(i) == b.charAt(i)) i++;
        return i;
    }

    /** Common suffix length that leaves at least {@code prefix} characters before it in both strings. */
    private static int commonSuffix(String a, String b, int prefix) {
        int n = Math.min(a.length(), b.length()) - prefix;
        int i = 0;
        while (i < n && a.charAt(a.length() - 1 - i) == b.charAt(b.length() - 1 - i)) i++;
        return i;
    }
}
