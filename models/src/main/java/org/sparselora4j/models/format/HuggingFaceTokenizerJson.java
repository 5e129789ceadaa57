package org.sparselora4j.models.format;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** Reads the parts of a {@code tokenizer.json} that {@link HuggingFaceTokenizer} uses; anything else is an error. */
final class HuggingFaceTokenizerJson {
    private static final int MAX_VOCAB = 1 << 24;

    private final Path file;

    private HuggingFaceTokenizerJson(Path file) {
        this.file = file;
    }

    static HuggingFaceTokenizer parse(Path file, String text, Map<String, Object> tokenizerConfig) throws ModelFormatException {
        Map<String, Object> json;
        try {
            json = Json.parseObject(text);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, e.getMessage());
        }
        try {
            return new HuggingFaceTokenizerJson(file).tokenizer(json, tokenizerConfig);
        } catch (IllegalArgumentException | ClassCastException e) {
            throw new ModelFormatException(file, e.getMessage());
        }
    }

    private HuggingFaceTokenizer tokenizer(Map<String, Object> json, Map<String, Object> config) throws ModelFormatException {
        Map<String, Object> model = object(json.get("model"), "model");
        Object type = model.getOrDefault("type", "BPE");
        if (!"BPE".equals(type)) throw error("model type " + type + " is not supported (BPE only)");
        Map<String, Object> vocab = object(model.get("vocab"), "model.vocab");

        Map<Integer, String> byId = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : vocab.entrySet()) put(byId, id(e.getValue(), e.getKey()), e.getKey());
        Map<String, Boolean> added = new LinkedHashMap<>();
        if (json.get("added_tokens") instanceof List<?> list) {
            for (Object o : list) {
                Map<String, Object> t = object(o, "added_tokens entry");
                if (!(t.get("content") instanceof String content)) throw error("added token without content");
                int id = id(t.get("id"), content);
                String existing = byId.get(id);
                if (existing != null && !existing.equals(content)) throw error("added token " + content + " reuses id " + id + " of " + existing);
                byId.put(id, content);
                added.put(content, Boolean.TRUE.equals(t.get("special")));
            }
        }
        int size = byId.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        String[] pieces = new String[size];
        for (Map.Entry<Integer, String> e : byId.entrySet()) pieces[e.getKey()] = e.getValue();

        List<String[]> merges = new ArrayList<>();
        if (model.get("merges") instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof String s) {
                    int space = s.indexOf(' ', 1);
                    if (space < 0) throw error("merge \"" + s + "\" is not two tokens");
                    merges.add(new String[] {s.substring(0, space), s.substring(space + 1)});
                } else if (o instanceof List<?> pair && pair.size() == 2 && pair.get(0) instanceof String a && pair.get(1) instanceof String b) {
                    merges.add(new String[] {a, b});
                } else {
                    throw error("bad merge " + o);
                }
            }
        }
        boolean byteFallback = Boolean.TRUE.equals(model.get("byte_fallback"));
        int unk = -1;
        if (model.get("unk_token") instanceof String u) {
            for (int i = 0; i < pieces.length; i++) {
                if (u.equals(pieces[i])) {
                    unk = i;
                    break;
                }
            }
        }
        TextStyle style = new TextStyle(normalizers(json.get("normalizer")), preTokenizer(json.get("pre_tokenizer")));
        if (style.preTokenizer() instanceof TextStyle.ByteLevel && unk < 0) requireEveryByte(pieces);
        int bos = specialId(config.get("bos_token"), pieces, List.of("<s>", "<|begin_of_text|>", "<|endoftext|>"), "BOS");
        int eos = specialId(config.get("eos_token"), pieces, List.of("</s>", "<|end_of_text|>", "<|endoftext|>"), "EOS");
        return new HuggingFaceTokenizer(pieces, merges, style, byteFallback, unk, added, bos, eos);
    }

    /** A byte-level vocabulary without an unknown token must hold every byte's character, or some text cannot be encoded. */
    private void requireEveryByte(String[] pieces) throws ModelFormatException {
        java.util.Set<String> present = new java.util.HashSet<>(java.util.Arrays.asList(pieces));
        for (int b = 0; b < 256; b++) {
            if (!present.contains(TextStyle.ByteLevelChars.encode(new byte[] {(byte) b}))) {
                throw error(String.format("the byte-level vocabulary has no token for byte 0x%02X and no unk_token", b));
            }
        }
    }

    private void put(Map<Integer, String> byId, int id, String piece) throws ModelFormatException {
        String old = byId.put(id, piece);
        if (old != null) throw error("tokens " + old + " and " + piece + " share id " + id);
    }

    private int id(Object value, String token) throws ModelFormatException {
        if (!(value instanceof Long n) || n < 0 || n >= MAX_VOCAB) throw error("token " + token + " has bad id " + value);
        return (int) (long) n;
    }

    private List<TextStyle.Normalizing> normalizers(Object spec) throws ModelFormatException {
        List<TextStyle.Normalizing> out = new ArrayList<>();
        if (spec == null) return out;
        Map<String, Object> n = object(spec, "normalizer");
        switch (String.valueOf(n.get("type"))) {
            case "Sequence" -> {
                if (!(n.get("normalizers") instanceof List<?> list)) throw error("normalizer Sequence without normalizers");
                for (Object o : list) out.addAll(normalizers(o));
            }
            case "Prepend" -> out.add(new TextStyle.Prepend(string(n, "prepend", "Prepend normalizer")));
            case "Replace" -> {
                Map<String, Object> pattern = object(n.get("pattern"), "Replace pattern");
                if (!(pattern.get("String") instanceof String from)) throw error("only string Replace patterns are supported");
                out.add(new TextStyle.Replace(from, string(n, "content", "Replace normalizer")));
            }
            case "NFC" -> out.add(new TextStyle.Nfc());
            default -> throw error("normalizer " + n.get("type") + " is not supported");
        }
        return out;
    }

    private TextStyle.PreTokenizer preTokenizer(Object spec) throws ModelFormatException {
        if (spec == null) return new TextStyle.Whole();
        Map<String, Object> p = object(spec, "pre_tokenizer");
        String type = String.valueOf(p.get("type"));
        switch (type) {
            case "Metaspace" -> {
                Object replacement = p.getOrDefault("replacement", "\u2581");
                if (!"\u2581".equals(replacement)) throw error("Metaspace replacement " + replacement + " is not U+2581");
                String scheme = p.get("prepend_scheme") instanceof String s ? s
                        : Boolean.FALSE.equals(p.get("add_prefix_space")) ? "never" : "always";
                if (!List.of("always", "first", "never").contains(scheme)) throw error("Metaspace prepend_scheme " + scheme);
                return new TextStyle.Metaspace(scheme, !Boolean.FALSE.equals(p.get("split")));
            }
            case "ByteLevel" -> {
                boolean regex = !Boolean.FALSE.equals(p.get("use_regex"));
                return new TextStyle.ByteLevel(regex ? Optional.of(TextStyle.GPT2_SPLIT) : Optional.empty(),
                        Boolean.TRUE.equals(p.get("add_prefix_space")));
            }
            case "Sequence" -> {
                // Llama 3 style: Split(regex, Isolated) then ByteLevel without its own regex.
                if (p.get("pretokenizers") instanceof List<?> list && list.size() == 2) {
                    Map<String, Object> split = object(list.get(0), "pretokenizer");
                    Map<String, Object> byteLevel = object(list.get(1), "pretokenizer");
                    if ("Split".equals(split.get("type")) && "Isolated".equals(split.get("behavior"))
                            && !Boolean.TRUE.equals(split.get("invert"))
                            && "ByteLevel".equals(byteLevel.get("type")) && Boolean.FALSE.equals(byteLevel.get("use_regex"))
                            && object(split.get("pattern"), "Split pattern").get("Regex") instanceof String regex) {
                        try {
                            return new TextStyle.ByteLevel(Optional.of(Pattern.compile(regex)), Boolean.TRUE.equals(byteLevel.get("add_prefix_space")));
                        } catch (PatternSyntaxException e) {
                            throw error("Split regex does not compile in Java: " + e.getDescription());
                        }
                    }
                }
                throw error("this pre_tokenizer Sequence is not supported (only Split + ByteLevel)");
            }
            default -> throw error("pre_tokenizer " + type + " is not supported");
        }
    }

    private int specialId(Object configured, String[] pieces, List<String> candidates, String what) throws ModelFormatException {
        String name = configured instanceof String s ? s
                : configured instanceof Map<?, ?> m && m.get("content") instanceof String s ? s : null;
        List<String> tries = name != null ? List.of(name) : candidates;
        for (String t : tries) {
            for (int i = 0; i < pieces.length; i++) {
                if (t.equals(pieces[i])) return i;
            }
        }
        throw error("cannot tell the " + what + " token (tried " + tries + "); a tokenizer_config.json beside it can name it");
    }

    private String string(Map<String, Object> o, String key, String what) throws ModelFormatException {
        if (!(o.get(key) instanceof String s)) throw error(what + " has no string " + key);
        return s;
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> object(Object o, String what) throws ModelFormatException {
        if (!(o instanceof Map<?, ?> m)) throw error(what + " is not an object");
        return (Map<String, Object>) m;
    }

    private ModelFormatException error(String problem) {
        return new ModelFormatException(file, problem);
    }
}
