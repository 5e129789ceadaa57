package org.sparselora4j.models.chat;

import org.sparselora4j.models.format.Json;
import org.sparselora4j.models.format.ModelFormatException;
import org.sparselora4j.models.format.TextFiles;
import org.sparselora4j.models.template.TemplateException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A conversation in a file, for commands that show what a model is given ({@code tokenize --messages FILE}):
 * a JSON object {@code {"messages": [...]}} (other keys such as {@code tools} are passed to the template), a bare
 * JSON list of messages, or the first line of a JSONL file of such objects. Messages are passed as they are, so
 * roles and fields beyond system/user/assistant reach the template, which decides what it accepts.
 */
public final class MessagesFile {
    private MessagesFile() {
    }

    /** The conversation in {@code file} rendered with {@code template}. */
    public static String render(Path file, ChatTemplate template, boolean addGenerationPrompt) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException(file + ": no such messages file");
        String text = TextFiles.readUtf8(file).strip();
        Object json;
        try {
            json = Json.parse(text);
        } catch (IllegalArgumentException e) {
            try {
                json = Json.parse(text.lines().findFirst().orElse(""));   // JSONL: the first record
            } catch (IllegalArgumentException e2) {
                throw new ModelFormatException(file, "malformed JSON (" + e.getMessage() + ")");
            }
        }
        Map<String, Object> extra = Map.of();
        Object messages = json;
        if (json instanceof Map<?, ?> m) {
            messages = m.get("messages");
            Map<String, Object> rest = new java.util.HashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) if (!"messages".equals(e.getKey())) rest.put((String) e.getKey(), e.getValue());
            extra = rest;
        }
        if (!(messages instanceof List<?> list) || list.isEmpty()) {
            throw new ModelFormatException(file, "expected a non-empty \"messages\" list of {\"role\", \"content\"} objects");
        }
        List<Map<String, ?>> maps = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map<?, ?> m) || !(m.get("role") instanceof String)) {
                throw new ModelFormatException(file, "messages[" + i + "]: expected an object with a string \"role\"");
            }
            @SuppressWarnings("unchecked")
            Map<String, ?> typed = (Map<String, ?>) m;
            maps.add(typed);
        }
        try {
            return template.renderMaps(maps, addGenerationPrompt, extra);
        } catch (TemplateException e) {
            throw new ModelFormatException(file, e.getMessage());
        }
    }
}
