package org.sparselora4j.models.chat;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.sparselora4j.models.format.Json;
import org.sparselora4j.models.template.TemplateException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every rendering in {@code chat/expected.json} (made by transformers: scripts/chat-references.py) reproduced
 * character for character: the golden families' own templates from their {@code tokenizer_config.json}, and the
 * Llama 3.1/3.2, Qwen2.5, Mistral and SmolLM2 templates written down under {@code chat/}, each with and without
 * the generation prompt, with tools, reasoning, unicode and whitespace; where transformers raised, the same
 * message is raised here.
 */
class ChatTemplateReferenceTest {
    private static String resource(String name) throws IOException {
        try (InputStream in = ChatTemplateReferenceTest.class.getResourceAsStream("/chat/" + name)) {
            if (in == null) throw new IOException("missing test resource chat/" + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static Path golden() {
        return Path.of(System.getProperty("sparselora4j.shared", "../shared")).resolve("golden/families");
    }

    private static Optional<ChatTemplate> template(String name, Map<String, Object> spec) throws IOException {
        String source = (String) spec.get("source");
        if (source.startsWith("hf:")) {
            Path dir = golden().resolve(source.substring(3)).resolve("hf");
            if (!Files.isDirectory(dir)) return Optional.empty();
            return ChatTemplates.fromFolder(dir);
        }
        Map<String, String> special = new HashMap<>();
        if (spec.get("bos_token") instanceof String b) special.put("bos_token", b);
        if (spec.get("eos_token") instanceof String e) special.put("eos_token", e);
        return Optional.of(ChatTemplate.parse(resource(source), "chat/" + source, special));
    }

    @SuppressWarnings("unchecked")
    @TestFactory
    List<DynamicTest> rendersAsTransformers() throws IOException {
        Map<String, Object> expected = Json.parseObject(resource("expected.json"));
        Map<String, Object> specs = (Map<String, Object>) expected.get("templates");
        Map<String, Object> conversations = (Map<String, Object>) expected.get("conversations");
        Map<String, Optional<ChatTemplate>> templates = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : specs.entrySet()) templates.put(e.getKey(), template(e.getKey(), (Map<String, Object>) e.getValue()));
        List<DynamicTest> tests = new ArrayList<>();
        for (Object o : (List<Object>) expected.get("cases")) {
            Map<String, Object> c = (Map<String, Object>) o;
            String name = c.get("template") + " / " + c.get("conversation") + (Boolean.TRUE.equals(c.get("add_generation_prompt")) ? " + generation prompt" : "")
                    + (((Map<?, ?>) c.get("kwargs")).isEmpty() ? "" : " " + Json.write(c.get("kwargs")));
            tests.add(DynamicTest.dynamicTest(name, () -> {
                Optional<ChatTemplate> t = templates.get((String) c.get("template"));
                if (t.isEmpty()) {
                    String reason = "skipped: " + golden().toAbsolutePath() + " is absent";
                    System.out.println(reason);
                    Assumptions.abort(reason);
                }
                List<Map<String, Object>> messages = (List<Map<String, Object>>) conversations.get((String) c.get("conversation"));
                boolean gen = Boolean.TRUE.equals(c.get("add_generation_prompt"));
                Map<String, Object> kwargs = (Map<String, Object>) c.get("kwargs");
                if (c.containsKey("error")) {
                    assertThatThrownBy(() -> t.get().renderMaps(messages, gen, kwargs))
                            .isInstanceOf(TemplateException.class).hasMessageContaining((String) c.get("error"));
                } else {
                    assertThat(t.get().renderMaps(messages, gen, kwargs)).isEqualTo(c.get("output"));
                }
            }));
        }
        return tests;
    }
}
