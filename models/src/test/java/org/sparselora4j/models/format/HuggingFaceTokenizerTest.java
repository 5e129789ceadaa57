package org.sparselora4j.models.format;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HuggingFaceTokenizerTest {
    @TempDir
    Path tmp;

    static final String[] TEXTS = {"Once upon a time, there was a little girl named Lily.", "Tom said:\n\"Hi!\"\n\nThe end.",
            "naïve café ☃ 日本 😀", "123 + 456 = 579", "tab\tend", ""};

    /**
     * The stories260K vocabulary as Hugging Face's LlamaConverter writes it: pieces with U+2581 for spaces, merges
     * of every split of a piece into two pieces, ordered by the merged piece's score (then by the parts' ids).
     */
    static Map<String, Object> storiesTokenizerJson(SentencePieceTokenizer sp, Object normalizer, Object preTokenizer) {
        Map<String, Object> vocab = new LinkedHashMap<>();
        List<String> pieces = new ArrayList<>();
        for (int i = 0; i < sp.vocabSize(); i++) {
            String p = switch (i) {
                case 0 -> "<unk>";
                case 1 -> "<s>";
                case 2 -> "</s>";
                default -> new String(sp.piece(i), StandardCharsets.UTF_8).replace(' ', '\u2581');
            };
            pieces.add(p);
            vocab.putIfAbsent(p, (long) i);
        }
        record Merge(String left, String right, float score, long leftId, long rightId) {
        }
        List<Merge> merges = new ArrayList<>();
        for (int i = 3 + 256; i < pieces.size(); i++) {
            String p = pieces.get(i);
            List<Merge> local = new ArrayList<>();
            for (int k = 1; k < p.length(); k++) {
                String l = p.substring(0, k), r = p.substring(k);
                if (vocab.containsKey(l) && vocab.containsKey(r)) {
                    local.add(new Merge(l, r, sp.score(i), (Long) vocab.get(l), (Long) vocab.get(r)));
                }
            }
            local.sort(Comparator.comparingLong(Merge::leftId).thenComparingLong(Merge::rightId));
            merges.addAll(local);
        }
        merges.sort(Comparator.comparingDouble((Merge m) -> m.score()).reversed());
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "BPE");
        model.put("unk_token", "<unk>");
        model.put("byte_fallback", true);
        model.put("vocab", vocab);
        model.put("merges", merges.stream().map(m -> m.left() + " " + m.right()).toList());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("version", "1.0");
        json.put("added_tokens", List.of(
                Map.of("id", 0, "content", "<unk>", "special", true),
                Map.of("id", 1, "content", "<s>", "special", true),
                Map.of("id", 2, "content", "</s>", "special", true)));
        json.put("normalizer", normalizer);
        json.put("pre_tokenizer", preTokenizer);
        json.put("model", model);
        return json;
    }

    static Map<String, Object> legacyNormalizer() {
        return Map.of("type", "Sequence", "normalizers", List.of(
                Map.of("type", "Prepend", "prepend", "\u2581"),
                Map.of("type", "Replace", "pattern", Map.of("String", " "), "content", "\u2581")));
    }

    private Path write(String name, Map<String, Object> json) throws IOException {
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, Json.write(json));
        return file;
    }

    @Test
    void legacyLlamaTokenizerMatchesLlama2c() throws IOException {
        SentencePieceTokenizer ref = Llama2cTokenizerTest.tok512();
        HuggingFaceTokenizer hf = HuggingFaceTokenizer.load(write("legacy", storiesTokenizerJson(ref, legacyNormalizer(), null)));
        assertThat(hf.bos()).isEqualTo(1);
        assertThat(hf.eos()).isEqualTo(2);
        assertThat(hf.vocabSize()).isEqualTo(512);
        for (String text : TEXTS) {
            int[] ids = ref.encode(text, true, false);
            assertThat(hf.encode(text, true, false)).as(text).containsExactly(ids);
            assertThat(hf.encode(text, false, true)).as(text).containsExactly(ref.encode(text, false, true));
            assertThat(hf.decode(ids)).isEqualTo(text);
        }
        for (String text : List.of(" leading space", "  two  spaces")) {
            assertThat(hf.encode(text, true, false)).as(text).containsExactly(ref.encode(text, true, false));
        }
        // Added tokens in the text are matched whole and decode to nothing (they are special).
        int[] withEos = hf.encode("The end.</s>", true, false);
        assertThat(withEos[withEos.length - 1]).isEqualTo(2);
        assertThat(hf.decode(withEos)).isEqualTo("The end.");
    }

    @Test
    void metaspaceTokenizerMatchesLlama2c() throws IOException {
        SentencePieceTokenizer ref = Llama2cTokenizerTest.tok512();
        Map<String, Object> pre = Map.of("type", "Metaspace", "replacement", "\u2581", "prepend_scheme", "first", "split", false);
        HuggingFaceTokenizer hf = HuggingFaceTokenizer.load(write("metaspace", storiesTokenizerJson(ref, null, pre)));
        for (String text : TEXTS) {
            int[] ids = ref.encode(text, true, false);
            assertThat(hf.encode(text, true, false)).as(text).containsExactly(ids);
            assertThat(hf.decode(ids)).isEqualTo(text);
            for (int i = 1; i < ids.length; i++) assertThat(hf.decode(ids[i - 1], ids[i])).isEqualTo(ref.decode(ids[i - 1], ids[i]));
        }
    }

    @Test
    void byteLevelTokenizerEncodesAndDecodes() throws IOException {
        // GPT-2 style: the 256 byte characters, then merged tokens; 'Ġ' (U+0120) is the space byte.
        Map<String, Object> vocab = new LinkedHashMap<>();
        for (int b = 0; b < 256; b++) vocab.put(TextStyle.ByteLevelChars.encode(new byte[] {(byte) b}), (long) b);
        vocab.put("th", 256L);
        vocab.put("the", 257L);
        vocab.put("\u0120the", 258L);
        vocab.put("\u0120t", 259L);
        vocab.put("<|endoftext|>", 260L);
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "BPE");
        model.put("vocab", vocab);
        model.put("merges", List.of(List.of("t", "h"), List.of("th", "e"), List.of("\u0120", "t"), List.of("\u0120t", "he")));
        // The last merge names "he", which is not in the vocab: the file is rejected.
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("added_tokens", List.of(Map.of("id", 260, "content", "<|endoftext|>", "special", true)));
        json.put("pre_tokenizer", Map.of("type", "ByteLevel", "add_prefix_space", false, "use_regex", true));
        json.put("model", model);
        assertThatThrownBy(() -> HuggingFaceTokenizer.load(write("bad-merge", json)))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("model.merges[3] \"\u0120t he\" names \"he\", which is not in the vocab");
        model.put("merges", List.of(List.of("t", "h"), List.of("th", "e"), List.of("\u0120", "t"), List.of("\u0120", "the")));
        HuggingFaceTokenizer t = HuggingFaceTokenizer.load(write("bytelevel", json));
        assertThat(t.bos()).isEqualTo(260);
        assertThat(t.eos()).isEqualTo(260);
        // " the" starts as Ġ t h e: (t, h) has the lowest rank, then (th, e), then (Ġ, the); (Ġ, t) never gets its turn.
        assertThat(t.encode("the the", false, false)).containsExactly(257, 258);
        assertThat(t.encode("to", false, false)).containsExactly('t', 'o');
        String text = "the ünïcode 日本\nthe end";
        assertThat(t.decode(t.encode(text, true, true))).isEqualTo(text);
    }

    @Test
    void llamaTokenizerClassesTakeAddBosTokenFromTokenizerConfig() throws IOException {
        // transformers rebuilds LlamaTokenizerFast's post-processor from add_bos_token; the tokenizer.json's is ignored.
        SentencePieceTokenizer ref = Llama2cTokenizerTest.tok512();
        Map<String, Object> json = storiesTokenizerJson(ref, legacyNormalizer(), null);
        json.put("post_processor", Map.of("type", "TemplateProcessing",
                "single", List.of(Map.of("SpecialToken", Map.of("id", "<s>", "type_id", 0L)), Map.of("Sequence", Map.of("id", "A", "type_id", 0L))),
                "special_tokens", Map.of("<s>", Map.of("id", "<s>", "ids", List.of(1L), "tokens", List.of("<s>")))));
        Path off = write("bos-off", json);
        Files.writeString(off.resolveSibling("tokenizer_config.json"), "{\"tokenizer_class\": \"LlamaTokenizerFast\", \"add_bos_token\": false}");
        assertThat(HuggingFaceTokenizer.load(off).bosPrefix()).isEmpty();
        Files.writeString(off.resolveSibling("tokenizer_config.json"), "{\"tokenizer_class\": \"PreTrainedTokenizerFast\", \"add_bos_token\": false}");
        assertThat(HuggingFaceTokenizer.load(off).bosPrefix()).containsExactly(1);   // another class keeps its post-processor
    }

    @Test
    void readsBosAndEosFromTokenizerConfig() throws IOException {
        SentencePieceTokenizer ref = Llama2cTokenizerTest.tok512();
        Path file = write("config", storiesTokenizerJson(ref, legacyNormalizer(), null));
        Files.writeString(file.resolveSibling("tokenizer_config.json"),
                "{\"bos_token\": {\"content\": \"</s>\"}, \"eos_token\": \"<unk>\"}");
        HuggingFaceTokenizer hf = HuggingFaceTokenizer.load(file);
        assertThat(hf.bos()).isEqualTo(2);
        assertThat(hf.eos()).isEqualTo(0);
    }

    @Test
    void rejectsUnsupportedTokenizers() throws IOException {
        SentencePieceTokenizer ref = Llama2cTokenizerTest.tok512();
        Map<String, Object> json = storiesTokenizerJson(ref, legacyNormalizer(), null);
        json.put("model", Map.of("type", "Unigram", "vocab", List.of()));
        Path file = write("unigram", json);
        assertThatThrownBy(() -> HuggingFaceTokenizer.load(file))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageStartingWith(file.toString())
                .hasMessageContaining("model.type Unigram is not supported");
        Path broken = tmp.resolve("broken.json");
        Files.writeString(broken, "{\"model\": ");
        assertThatThrownBy(() -> HuggingFaceTokenizer.load(broken)).isInstanceOf(ModelFormatException.class);
    }

    @Test
    void rejectsPreTokenizersItCannotMatchExactly() throws IOException {
        Map<String, Object> vocab = new LinkedHashMap<>();
        for (int b = 0; b < 256; b++) vocab.put(TextStyle.ByteLevelChars.encode(new byte[] {(byte) b}), (long) b);
        vocab.put("<s>", 256L);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", Map.of("type", "BPE", "vocab", vocab, "merges", List.of()));
        Map<String, Object> byteLevel = Map.of("type", "ByteLevel", "add_prefix_space", false, "use_regex", false);
        json.put("pre_tokenizer", Map.of("type", "Sequence", "pretokenizers", List.of(
                Map.of("type", "Split", "pattern", Map.of("Regex", "\\w+|\\s+"), "behavior", "Isolated", "invert", false), byteLevel)));
        Path regex = write("regex", json);
        assertThatThrownBy(() -> HuggingFaceTokenizer.load(regex)).isInstanceOf(ModelFormatException.class)
                .hasMessage(regex + ": pre_tokenizer.pretokenizers[0]: Split regex \"\\\\w+|\\\\s+\" is not one this engine matches (GPT-2, Llama 3, Qwen2)");
        json.put("pre_tokenizer", Map.of("type", "Sequence", "pretokenizers", List.of(byteLevel, Map.of("type", "Digits"))));
        Path order = write("order", json);
        assertThatThrownBy(() -> HuggingFaceTokenizer.load(order)).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("pre_tokenizer.pretokenizers[0]: ByteLevel must come last");
    }

    @Test
    void addedTokensTakeTheirWhiteSpaceAndStandAloneAsFlagged() throws IOException {
        Map<String, Object> vocab = new LinkedHashMap<>();
        for (int b = 0; b < 256; b++) vocab.put(TextStyle.ByteLevelChars.encode(new byte[] {(byte) b}), (long) b);
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("model", Map.of("type", "BPE", "vocab", vocab, "merges", List.of()));
        json.put("pre_tokenizer", Map.of("type", "ByteLevel", "add_prefix_space", false, "use_regex", false));
        json.put("added_tokens", List.of(Map.of("id", 256, "content", "<s>", "special", true, "lstrip", true),
                Map.of("id", 257, "content", "</s>", "special", true, "rstrip", true),
                Map.of("id", 258, "content", "hi", "special", false, "single_word", true)));
        HuggingFaceTokenizer t = HuggingFaceTokenizer.load(write("flags", json));
        // lstrip takes the spaces (no-break ones too) before <s>, rstrip those after </s>; "hi" only as a word of its own.
        assertThat(t.encode("a \u00A0<s> b", false, false)).containsExactly('a', 256, ' ', 'b');
        assertThat(t.encode("a</s>  b", false, false)).containsExactly('a', 257, 'b');
        assertThat(t.encode("hi, hip chi hi_", false, false)).containsExactly(258, ',', ' ', 'h', 'i', 'p', ' ', 'c', 'h', 'i', ' ', 'h', 'i', '_');
    }

    @Test
    void splitPatternsFollowOniguruma() {
        // Oniguruma's \s is Unicode White_Space (no-break and ideographic spaces too), and (?i) folds the long s.
        List<String> out = new ArrayList<>();
        SplitPattern.LLAMA3_PATTERN.split("a\u00A0\u00A0b 12345 it'S x'\u017F", out);
        assertThat(out).containsExactly("a", "\u00A0", "\u00A0b", " ", "123", "45", " it", "'S", " x", "'\u017F");
        out.clear();
        SplitPattern.QWEN2_PATTERN.split("x\n\n  y", out);
        assertThat(out).containsExactly("x", "\n\n", " ", " y");
        out.clear();
        SplitPattern.GPT2_PATTERN.split("Hi  there 42!?", out);
        assertThat(out).containsExactly("Hi", " ", " there", " 42", "!?");
    }

    @Test
    void addedTokensMatchLongestFirstAndSpecialOnlyWhenAsked() {
        var a = new HuggingFaceTokenizer.AddedToken("<|a|>", 1, true);
        var ab = new HuggingFaceTokenizer.AddedToken("<|a|>b", 2, false);
        var think = new HuggingFaceTokenizer.AddedToken("<think>", 3, false);
        AddedTokenTrie trie = new AddedTokenTrie(List.of(a, ab, think));
        assertThat(trie.match("x<|a|>bc", 1, true)).isEqualTo(ab);
        assertThat(trie.match("x<|a|>c", 1, true)).isEqualTo(a);
        assertThat(trie.match("x<|a|>c", 1, false)).isNull();
        assertThat(trie.match("<think>", 0, false)).isEqualTo(think);
        assertThat(trie.match("<|a|", 0, true)).isNull();
        assertThat(trie.match("x<|a|>", 0, true)).isNull();
    }
}
