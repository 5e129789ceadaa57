package org.sparselora4j.models.chat;

import org.sparselora4j.models.format.Gguf;
import org.sparselora4j.models.format.Json;
import org.sparselora4j.models.format.ModelFiles;
import org.sparselora4j.models.format.ModelFormatException;
import org.sparselora4j.models.format.TextFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds a model's chat template where transformers and llama.cpp keep it: {@code chat_template.jinja} in the
 * folder (newer transformers), else {@code chat_template} in {@code tokenizer_config.json} (a string, or a list
 * of named templates of which {@code default} is taken), else GGUF's {@code tokenizer.chat_template} with BOS and
 * EOS from its token ids.
 */
public final class ChatTemplates {
    /** The special-token names transformers passes to templates when the tokenizer config sets them. */
    private static final List<String> SPECIAL = List.of("bos_token", "eos_token", "unk_token", "sep_token",
            "pad_token", "cls_token", "mask_token");

    private ChatTemplates() {
    }

    /**
     * The template of the model at {@code model} (a Hugging Face folder or a GGUF file), or of the folder holding
     * {@code tokenizer} when that is given; empty when there is none.
     */
    public static Optional<ChatTemplate> find(Path model, Optional<Path> tokenizer) throws IOException {
        if (tokenizer.isPresent()) {
            Path t = tokenizer.get().toAbsolutePath();
            Optional<ChatTemplate> beside = fromFolder(Files.isDirectory(t) ? t : t.getParent());
            if (beside.isPresent()) return beside;
        }
        if (Files.isDirectory(model)) return fromFolder(model);
        if (Files.isRegularFile(model) && ModelFiles.detect(model) == ModelFiles.Format.GGUF) {
            try (Gguf gguf = Gguf.open(model)) {
                return fromGguf(gguf.metadata(), model);
            }
        }
        return Optional.empty();
    }

    /**
     * The special-token strings of the model (as {@link #find} would give its template), for a template given
     * separately; empty when the model names none.
     */
    public static Map<String, String> specialTokens(Path model, Optional<Path> tokenizer) throws IOException {
        Path dir = null;
        if (tokenizer.isPresent()) {
            Path t = tokenizer.get().toAbsolutePath();
            dir = Files.isDirectory(t) ? t : t.getParent();
        } else if (Files.isDirectory(model)) {
            dir = model;
        }
        if (dir != null && Files.isRegularFile(dir.resolve("tokenizer_config.json"))) {
            Path config = dir.resolve("tokenizer_config.json");
            return specialTokens(readConfig(config), config);
        }
        if (Files.isRegularFile(model) && ModelFiles.detect(model) == ModelFiles.Format.GGUF) {
            try (Gguf gguf = Gguf.open(model)) {
                return ggufSpecialTokens(gguf.metadata(), model);
            }
        }
        return Map.of();
    }

    /** From {@code chat_template.jinja} or {@code tokenizer_config.json} in {@code dir}. */
    public static Optional<ChatTemplate> fromFolder(Path dir) throws IOException {
        if (dir == null) return Optional.empty();
        Path config = dir.resolve("tokenizer_config.json");
        Map<String, Object> json = Files.isRegularFile(config) ? readConfig(config) : Map.of();
        Map<String, String> special = specialTokens(json, config);
        Path jinja = dir.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) {
            return Optional.of(ChatTemplate.parse(TextFiles.readUtf8(jinja), jinja.toString(), special));
        }
        if (json.isEmpty()) return Optional.empty();
        return fromConfig(json, config, special);
    }

    /** From a {@code tokenizer_config.json}; empty when it has no {@code chat_template}. */
    public static Optional<ChatTemplate> fromTokenizerConfig(Path config) throws IOException {
        Map<String, Object> json = readConfig(config);
        return fromConfig(json, config, specialTokens(json, config));
    }

    private static Optional<ChatTemplate> fromConfig(Map<String, Object> json, Path config, Map<String, String> special)
            throws ModelFormatException {
        Object t = json.get("chat_template");
        String origin = config + " chat_template";
        switch (t) {
            case null -> {
                return Optional.empty();
            }
            case String s -> {
                return Optional.of(ChatTemplate.parse(s, origin, special));
            }
            case List<?> named -> {
                for (Object o : named) {
                    if (o instanceof Map<?, ?> m && "default".equals(m.get("name")) && m.get("template") instanceof String s) {
                        return Optional.of(ChatTemplate.parse(s, origin + " (default)", special));
                    }
                }
                throw new ModelFormatException(config, "chat_template is a list without a template named \"default\"");
            }
            default -> throw new ModelFormatException(config, "chat_template is neither a string nor a list of named templates");
        }
    }

    private static Map<String, Object> readConfig(Path config) throws IOException {
        try {
            return Json.parseObject(TextFiles.readUtf8(config));
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(config, "malformed JSON (" + e.getMessage() + ")");
        }
    }

    /** bos_token, eos_token, ...: strings, or added-token objects whose {@code content} is the string. */
    private static Map<String, String> specialTokens(Map<String, Object> json, Path config) throws ModelFormatException {
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : SPECIAL) {
            Object v = json.get(name);
            if (v == null) continue;
            if (v instanceof String s) out.put(name, s);
            else if (v instanceof Map<?, ?> m && m.get("content") instanceof String s) out.put(name, s);
            else throw new ModelFormatException(config, name + " is neither a string nor a token object with a \"content\"");
        }
        return out;
    }

    /** From GGUF metadata: {@code tokenizer.chat_template}, BOS/EOS strings looked up in {@code tokenizer.ggml.tokens}. */
    public static Optional<ChatTemplate> fromGguf(Map<String, Object> metadata, Path file) throws ModelFormatException {
        Object t = metadata.get("tokenizer.chat_template");
        if (t == null) return Optional.empty();
        if (!(t instanceof String source)) throw new ModelFormatException(file, "tokenizer.chat_template is not a string");
        return Optional.of(ChatTemplate.parse(source, file + " tokenizer.chat_template", ggufSpecialTokens(metadata, file)));
    }

    private static Map<String, String> ggufSpecialTokens(Map<String, Object> metadata, Path file) throws ModelFormatException {
        Map<String, String> special = new LinkedHashMap<>();
        if (metadata.get("tokenizer.ggml.tokens") instanceof List<?> tokens) {
            putToken(special, "bos_token", "tokenizer.ggml.bos_token_id", metadata, tokens, file);
            putToken(special, "eos_token", "tokenizer.ggml.eos_token_id", metadata, tokens, file);
            putToken(special, "unk_token", "tokenizer.ggml.unknown_token_id", metadata, tokens, file);
            putToken(special, "pad_token", "tokenizer.ggml.padding_token_id", metadata, tokens, file);
        }
        return special;
    }

    private static void putToken(Map<String, String> out, String name, String key, Map<String, Object> metadata, List<?> tokens,
                                 Path file) throws ModelFormatException {
        if (!(metadata.get(key) instanceof Number n)) return;
        long i = n.longValue();
        if (i < 0 || i >= tokens.size() || !(tokens.get((int) i) instanceof String s)) {
            throw new ModelFormatException(file, key + " " + i + " is not a token of the vocabulary");
        }
        out.put(name, s);
    }
}
