package org.sparselora4j.models.format;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Reads the parts of a {@code tokenizer.json} that {@link HuggingFaceTokenizer} uses; anything else is an error. */
final class HuggingFaceTokenizerJson {
    /** Classes whose post-processor transformers rebuilds from {@code add_bos_token} (their {@code update_post_processor}). */
    private static final java.util.Set<String> REBUILDS_POST_PROCESSOR = java.util.Set.of("LlamaTokenizer", "LlamaTokenizerFast",
            "CodeLlamaTokenizer", "CodeLlamaTokenizerFast", "GemmaTokenizer", "GemmaTokenizerFast");

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
        if (!"BPE".equals(type)) throw error("model.type " + type + " is not supported (BPE only)");
        for (String key : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
            if (model.get(key) instanceof String v && !v.isEmpty()) throw error("model." + key + " \"" + v + "\" is not supported");
        }
        if (model.get("dropout") instanceof Number d && d.doubleValue() > 0) throw error("model.dropout " + d + " is not supported");
        Map<String, Object> vocab = object(model.get("vocab"), "model.vocab");

        List<?> addedList = json.get("added_tokens") instanceof List<?> l ? l : List.of();
        int size = 0;
        for (Object v : vocab.values()) {
            if (v instanceof Long n && n >= 0 && n < MAX_VOCAB) size = Math.max(size, (int) (long) n + 1);
        }
        for (Object o : addedList) {
            if (o instanceof Map<?, ?> t && t.get("id") instanceof Long n && n >= 0 && n < MAX_VOCAB) size = Math.max(size, (int) (long) n + 1);
        }
        String[] pieces = new String[size];
        for (Map.Entry<String, Object> e : vocab.entrySet()) {
            int id = id(e.getValue(), e.getKey());
            if (pieces[id] != null) throw error("model.vocab: tokens " + pieces[id] + " and " + e.getKey() + " share id " + id);
            pieces[id] = e.getKey();
        }
        List<HuggingFaceTokenizer.AddedToken> added = new ArrayList<>();
        for (int i = 0; i < addedList.size(); i++) {
            Map<String, Object> t = object(addedList.get(i), "added_tokens[" + i + "]");
            if (!(t.get("content") instanceof String content)) throw error("added_tokens[" + i + "] has no content");
            int id = id(t.get("id"), content);
            if (pieces[id] != null && !pieces[id].equals(content)) throw error("added_tokens[" + i + "] " + content + " reuses id " + id + " of " + pieces[id]);
            pieces[id] = content;
            added.add(new HuggingFaceTokenizer.AddedToken(content, id, Boolean.TRUE.equals(t.get("special")), Boolean.TRUE.equals(t.get("lstrip")),
                    Boolean.TRUE.equals(t.get("rstrip")), Boolean.TRUE.equals(t.get("single_word"))));
        }

        List<String[]> merges = new ArrayList<>();
        if (model.get("merges") instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                Object o = list.get(i);
                if (o instanceof String s) {
                    int space = s.indexOf(' ', 1);
                    if (space < 0) throw error("model.merges[" + i + "] \"" + s + "\" is not two tokens");
                    merges.add(new String[] {s.substring(0, space), s.substring(space + 1)});
                } else if (o instanceof List<?> pair && pair.size() == 2 && pair.get(0) instanceof String a && pair.get(1) instanceof String b) {
                    merges.add(new String[] {a, b});
                } else {
                    throw error("model.merges[" + i + "] is not a pair of tokens");
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
        int[] bosPrefix = bosPrefix(json.get("post_processor"), config, bos);
        boolean ignoreMerges = Boolean.TRUE.equals(model.get("ignore_merges"));
        return new HuggingFaceTokenizer(new HuggingFaceTokenizer.Spec(pieces, merges, "model.merges", style, byteFallback, unk,
                ignoreMerges, added, bos, eos, bosPrefix));
    }

    /**
     * What goes before the text when BOS is asked for: the special tokens ahead of {@code $A} in a
     * {@code TemplateProcessing} (also inside a {@code Sequence}); none for another post-processor (Qwen's ByteLevel);
     * with no post-processor at all, BOS unless {@code tokenizer_config.json} says {@code add_bos_token: false}. For the
     * tokenizer classes whose post-processor transformers rebuilds (Llama's, Gemma's), an {@code add_bos_token} in
     * {@code tokenizer_config.json} decides.
     */
    private int[] bosPrefix(Object spec, Map<String, Object> config, int bos) throws ModelFormatException {
        // transformers rebuilds these classes' post-processor from add_bos_token, whatever tokenizer.json holds.
        if (REBUILDS_POST_PROCESSOR.contains(String.valueOf(config.get("tokenizer_class"))) && config.get("add_bos_token") instanceof Boolean add) {
            return add ? new int[] {bos} : new int[0];
        }
        if (spec == null) return Boolean.FALSE.equals(config.get("add_bos_token")) ? new int[0] : new int[] {bos};
        Map<String, Object> p = object(spec, "post_processor");
        switch (String.valueOf(p.get("type"))) {
            case "Sequence" -> {
                if (!(p.get("processors") instanceof List<?> list)) throw error("post_processor Sequence without processors");
                int[] prefix = new int[0];
                for (Object o : list) {
                    if ("TemplateProcessing".equals(object(o, "post_processor").get("type"))) prefix = template(object(o, "post_processor"));
                }
                return prefix;
            }
            case "TemplateProcessing" -> {
                return template(p);
            }
            case "ByteLevel" -> {
                return new int[0];
            }
            default -> throw error("post_processor " + p.get("type") + " is not supported (TemplateProcessing, ByteLevel)");
        }
    }

    private int[] template(Map<String, Object> p) throws ModelFormatException {
        if (!(p.get("single") instanceof List<?> single)) throw error("post_processor TemplateProcessing without single");
        Map<String, Object> specials = p.get("special_tokens") == null ? Map.of() : object(p.get("special_tokens"), "post_processor.special_tokens");
        List<Integer> prefix = new ArrayList<>();
        boolean seenSequence = false;
        for (Object o : single) {
            Map<String, Object> item = object(o, "post_processor.single item");
            if (item.containsKey("Sequence")) {
                seenSequence = true;
            } else if (item.get("SpecialToken") instanceof Map<?, ?> st && st.get("id") instanceof String name) {
                if (seenSequence) throw error("post_processor.single adds " + name + " after the text; only tokens before it are supported");
                Map<String, Object> entry = object(specials.get(name), "post_processor.special_tokens." + name);
                if (!(entry.get("ids") instanceof List<?> ids)) throw error("post_processor.special_tokens." + name + " has no ids");
                for (Object id : ids) {
                    if (!(id instanceof Long n) || n < 0 || n >= MAX_VOCAB) throw error("post_processor.special_tokens." + name + " has bad id " + id);
                    prefix.add((int) (long) n);
                }
            } else {
                throw error("post_processor.single has an item that is neither Sequence nor SpecialToken");
            }
        }
        return prefix.stream().mapToInt(Integer::intValue).toArray();
    }

    /** A byte-level vocabulary without an unknown token must hold every byte's character, or some text cannot be encoded. */
    private void requireEveryByte(String[] pieces) throws ModelFormatException {
        boolean[] present = new boolean[512];   // the byte-level characters are below U+0200
        for (String p : pieces) {
            if (p != null && p.length() == 1 && p.charAt(0) < present.length) present[p.charAt(0)] = true;
        }
        for (int b = 0; b < 256; b++) {
            if (!present[TextStyle.ByteLevelChars.encode(new byte[] {(byte) b}).charAt(0)]) {
                throw error(String.format("the byte-level vocabulary has no token for byte 0x%02X and no unk_token", b));
            }
        }
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
                return byteLevel(p, List.of());
            }
            case "Sequence" -> {
                // Llama 3, Qwen: Split(regex, Isolated) then ByteLevel without its own regex; SmolLM: Digits then ByteLevel.
                if (!(p.get("pretokenizers") instanceof List<?> list) || list.isEmpty()) throw error("pre_tokenizer Sequence without pretokenizers");
                List<TextStyle.Splitting> splits = new ArrayList<>();
                for (int i = 0; i < list.size() - 1; i++) splits.add(splitting(object(list.get(i), "pre_tokenizer.pretokenizers[" + i + "]"), i));
                Map<String, Object> last = object(list.getLast(), "pre_tokenizer.pretokenizers[" + (list.size() - 1) + "]");
                if (!"ByteLevel".equals(last.get("type"))) {
                    throw error("pre_tokenizer Sequence ends with " + last.get("type") + "; only a Sequence ending in ByteLevel is supported");
                }
                return byteLevel(last, splits);
            }
            default -> throw error("pre_tokenizer " + type + " is not supported");
        }
    }

    private TextStyle.ByteLevel byteLevel(Map<String, Object> p, List<TextStyle.Splitting> before) {
        return new TextStyle.ByteLevel(before, Boolean.TRUE.equals(p.get("add_prefix_space")), !Boolean.FALSE.equals(p.get("use_regex")));
    }

    private TextStyle.Splitting splitting(Map<String, Object> p, int index) throws ModelFormatException {
        String where = "pre_tokenizer.pretokenizers[" + index + "]";
        switch (String.valueOf(p.get("type"))) {
            case "Split" -> {
                if (!"Isolated".equals(p.get("behavior"))) throw error(where + ": Split behavior " + p.get("behavior") + " is not supported (Isolated only)");
                if (Boolean.TRUE.equals(p.get("invert"))) throw error(where + ": Split with invert true is not supported");
                Map<String, Object> pattern = object(p.get("pattern"), where + ".pattern");
                if (!(pattern.get("Regex") instanceof String regex)) throw error(where + ": only Regex Split patterns are supported");
                return new TextStyle.Regex(SplitPattern.forRegex(regex).orElseThrow(() -> error(where
                        + ": Split regex " + Json.write(regex) + " is not one this engine matches (GPT-2, Llama 3, Qwen2)")));
            }
            case "Digits" -> {
                return new TextStyle.Digits(Boolean.TRUE.equals(p.get("individual_digits")));
            }
            case "ByteLevel" -> throw error(where + ": ByteLevel must come last in the pre_tokenizer Sequence");
            default -> throw error(where + ": pre-tokenizer " + p.get("type") + " inside a Sequence is not supported (Split, Digits)");
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
