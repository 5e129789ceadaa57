package org.sparselora4j.models.format;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Our tokenizer.json BPE against Hugging Face's own tokenizers library (through DJL, test scope only) on the real
 * Llama 3 and Qwen3 tokenizers (scripts/fetch-tokenizers.sh) and the ones of ../shared/golden/families: identical ids
 * for 1200 varied texts with and without the post-processor's BOS, and decode(encode(x)) = x (NFC(x) where the
 * tokenizer normalizes to NFC).
 */
class TokenizerAgreementTest {
    static final int TEXTS = 1200;

    static Path tokenizerFile(String where) {
        Path p = where.startsWith("data/")
                ? Path.of(System.getProperty("sparselora4j.data", "data")).resolve(where.substring(5)).resolve("tokenizer.json")
                : Path.of(System.getProperty("sparselora4j.shared", "../shared")).resolve(where).resolve("tokenizer.json");
        if (!Files.isRegularFile(p)) {
            String reason = "skipped: " + p.toAbsolutePath() + " is absent" + (where.startsWith("data/") ? " (run scripts/fetch-tokenizers.sh)" : "");
            System.out.println(reason);
            Assumptions.abort(reason);
        }
        return p;
    }

    /**
     * The other pre-tokenizers these families use, on Qwen's vocabulary: SmolLM's (Digits, then ByteLevel with GPT-2's
     * regex) and GPT-2's (ByteLevel alone, with and without a prefix space).
     */
    @ParameterizedTest
    @ValueSource(strings = {"smollm", "gpt2", "gpt2-prefix"})
    void otherPreTokenizersAgreeWithHuggingFace(String variant, @TempDir Path tmp) throws IOException {
        Map<String, Object> json = Json.parseObject(Files.readString(tokenizerFile("golden/families/qwen2/hf")));
        Map<String, Object> byteLevel = Map.of("type", "ByteLevel", "add_prefix_space", variant.equals("gpt2-prefix"), "trim_offsets", false,
                "use_regex", true);
        json.put("pre_tokenizer", variant.equals("smollm")
                ? Map.of("type", "Sequence", "pretokenizers", List.of(Map.of("type", "Digits", "individual_digits", true), byteLevel))
                : byteLevel);
        Path file = tmp.resolve("tokenizer.json");
        Files.writeString(file, Json.write(json));
        assertAgrees(file, variant);
    }

    /**
     * Added tokens with {@code lstrip}, {@code rstrip} and {@code single_word} (as BERT-style {@code <mask>} and
     * {@code [SEP]}, and a word that must stand alone) on Qwen's vocabulary, in texts that put white space of every
     * kind and word characters of every kind around them.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void addedTokenStripAndSingleWordAgreeWithHuggingFace(boolean normalized, @TempDir Path tmp) throws IOException {
        Map<String, Object> json = Json.parseObject(Files.readString(tokenizerFile("golden/families/qwen2/hf")));
        List<Object> added = new ArrayList<>((List<?>) json.get("added_tokens"));
        added.add(addedToken(151669, "<mask>", true, true, false, false, false));
        added.add(addedToken(151670, "[SEP]", true, false, true, false, false));
        added.add(addedToken(151671, "qqzx", false, false, false, true, normalized));
        added.add(addedToken(151672, "<pad>", false, true, true, true, normalized));
        json.put("added_tokens", added);
        Path file = tmp.resolve("tokenizer.json");
        Files.writeString(file, Json.write(json));

        String[] parts = {"<mask>", "[SEP]", "qqzx", "qqzxqqzx", "<pad>", " ", "  ", "\u00A0", "\u3000", "\n", "\t", "a", "\u00E9", "_", "1", "!",
                "x\u0301", "Hello", "<|im_start|>", "aqqzx", "qqzxs", "\u4E2D", "-", "\u200D"};
        java.util.SplittableRandom random = new java.util.SplittableRandom(5);
        List<String> texts = new ArrayList<>();
        for (int t = 0; t < 3000; t++) {
            StringBuilder sb = new StringBuilder();
            int n = 1 + random.nextInt(8);
            for (int k = 0; k < n; k++) sb.append(parts[random.nextInt(parts.length)]);
            texts.add(sb.toString());
        }
        HuggingFaceTokenizer ours = HuggingFaceTokenizer.load(file);
        List<String> mismatches = new ArrayList<>();
        int agree = 0;
        try (var oracle = ai.djl.huggingface.tokenizers.HuggingFaceTokenizer.newInstance(file, Map.of("addSpecialTokens", "false"))) {
            for (String text : texts) {
                long[] expected = oracle.encode(text, false, false).getIds();
                int[] ids = ours.encode(text, false, false, true);
                if (Arrays.equals(expected, Arrays.stream(ids).asLongStream().toArray())) agree++;
                else if (mismatches.size() < 10) mismatches.add(Json.write(text) + ": hf " + Arrays.toString(expected) + " ours " + Arrays.toString(ids));
            }
        }
        System.out.println("added-token flags agreement (normalized " + normalized + "): " + agree + "/" + texts.size());
        assertThat(mismatches).isEmpty();
    }

    private static Map<String, Object> addedToken(int id, String content, boolean special, boolean lstrip, boolean rstrip, boolean singleWord,
                                                  boolean normalized) {
        Map<String, Object> t = new java.util.LinkedHashMap<>();
        t.put("id", (long) id);
        t.put("content", content);
        t.put("single_word", singleWord);
        t.put("lstrip", lstrip);
        t.put("rstrip", rstrip);
        t.put("normalized", normalized);
        t.put("special", special);
        return t;
    }

    @ParameterizedTest
    @ValueSource(strings = {"data/tokenizers/llama3", "data/tokenizers/qwen3", "golden/families/llama3/hf", "golden/families/qwen2/hf",
            "golden/families/llama3-untied/hf"})
    void agreesWithHuggingFace(String where) throws IOException {
        assertAgrees(tokenizerFile(where), where);
    }

    private static void assertAgrees(Path file, String where) throws IOException {
        HuggingFaceTokenizer ours = HuggingFaceTokenizer.load(file);
        boolean nfc = Files.readString(file).contains("\"NFC\"");
        List<String> texts = TokenizerTexts.make(TEXTS);
        List<String> mismatches = new ArrayList<>();
        int agree = 0;
        try (var oracle = ai.djl.huggingface.tokenizers.HuggingFaceTokenizer.newInstance(file, Map.of("addSpecialTokens", "false"))) {
            for (String text : texts) {
                long[] expected = oracle.encode(text, false, false).getIds();
                long[] expectedBos = oracle.encode(text, true, false).getIds();
                int[] ids = ours.encode(text, false, false, true);
                int[] idsBos = ours.encode(text, true, false, true);
                String decoded = ours.decode(ids, true);
                String want = nfc ? Normalizer.normalize(text, Normalizer.Form.NFC) : text;
                if (where.endsWith("-prefix")) want = decoded;   // the prefix spaces come back in decode: ids only
                boolean ok = Arrays.equals(expected, Arrays.stream(ids).asLongStream().toArray())
                        && Arrays.equals(expectedBos, Arrays.stream(idsBos).asLongStream().toArray()) && decoded.equals(want);
                if (ok) agree++;
                else if (mismatches.size() < 10) {
                    mismatches.add(Json.write(text) + ": hf " + Arrays.toString(expected) + " ours " + Arrays.toString(ids)
                            + (decoded.equals(want) ? "" : " decoded " + Json.write(decoded)));
                }
            }
        }
        System.out.println("tokenizer agreement " + where + ": " + agree + "/" + texts.size());
        assertThat(mismatches).as(where).isEmpty();
    }
}
