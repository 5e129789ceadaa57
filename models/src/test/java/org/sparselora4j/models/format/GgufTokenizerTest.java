package org.sparselora4j.models.format;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The byte-level (gpt2) vocabularies of the GGUF files in ../shared/golden/families against the tokenizer.json of the
 * same model (which {@link TokenizerAgreementTest} checks against Hugging Face), and llama.cpp's own test pairs.
 */
class GgufTokenizerTest {
    static Path family(String relative) {
        Path p = Path.of(System.getProperty("sparselora4j.shared", "../shared")).resolve("golden/families").resolve(relative);
        if (!Files.exists(p)) {
            String reason = "skipped: shared test data " + p.toAbsolutePath() + " is absent";
            System.out.println(reason);
            Assumptions.abort(reason);
        }
        return p;
    }

    static Tokenizer gguf(Path file) throws IOException {
        try (Gguf g = Gguf.open(file)) {
            return GgufModel.tokenizer(g).orElseThrow();
        }
    }

    @org.junit.jupiter.api.Test
    void aSentencePieceVocabularyToldAddBosFalseStartsWithoutBos() {
        byte[][] pieces = {"<unk>".getBytes(), "<s>".getBytes(), "</s>".getBytes(), " ".getBytes(), "a".getBytes()};
        float[] scores = new float[pieces.length];
        SentencePieceTokenizer plain = new SentencePieceTokenizer(pieces, scores, 1, 2);
        SentencePieceTokenizer noBos = new SentencePieceTokenizer(pieces, scores, 1, 2, false);
        assertThat(plain.encode("a", true, false)).containsExactly(1, 3, 4);
        assertThat(plain.bosPrefix()).containsExactly(1);
        assertThat(noBos.encode("a", true, false)).containsExactly(3, 4);
        assertThat(noBos.bosPrefix()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "llama3-untied", "qwen2", "qwen3"})
    void eachFamilyStartsASequenceByItsOwnConvention(String name) throws IOException {
        // Llama 3 puts <|begin_of_text|> first (tokenizer.ggml.add_bos_token, the tokenizer.json post-processor);
        // Qwen adds nothing (add_bos_token false), though its bos() is the <|endoftext|> a decoder starts after.
        int[] expected = name.startsWith("llama3") ? new int[] {HuggingFaceTokenizer.load(family(name + "/hf/tokenizer.json")).bos()} : new int[0];
        for (Tokenizer t : List.of(gguf(family(name + "/model.gguf")), HuggingFaceTokenizer.load(family(name + "/hf/tokenizer.json")))) {
            assertThat(t.bosPrefix()).containsExactly(expected);
            assertThat(t.encode("", true, false)).containsExactly(expected);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "llama3-untied", "qwen2", "qwen3"})
    void ggufVocabularyEncodesAsTokenizerJson(String name) throws IOException {
        Tokenizer fromGguf = gguf(family(name + "/model.gguf"));
        HuggingFaceTokenizer fromJson = HuggingFaceTokenizer.load(family(name + "/hf/tokenizer.json"));
        assertThat(fromGguf.eos()).isEqualTo(fromJson.eos());
        List<String> texts = TokenizerTexts.make(TokenizerAgreementTest.TEXTS);
        List<String> mismatches = new ArrayList<>();
        for (String text : texts) {
            int[] want = fromJson.encode(text, true, false, true);
            int[] got = fromGguf.encode(text, true, false, true);
            if (!Arrays.equals(want, got) && mismatches.size() < 10) {
                mismatches.add(Json.write(text) + ": json " + Arrays.toString(want) + " gguf " + Arrays.toString(got));
            }
            int[] plain = fromGguf.encode(text, false, false, true);
            assertThat(((HuggingFaceTokenizer) fromGguf).decode(plain, true)).isEqualTo(fromJson.decode(plain, true));
        }
        System.out.println("gguf vs tokenizer.json " + name + ": " + (texts.size() - mismatches.size()) + "/" + texts.size());
        assertThat(mismatches).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-bpe", "qwen2"})
    void llamaCppTestPairs(String vocab) throws IOException {
        Map<String, Object> pairs = Json.parseObject(Files.readString(family("tokenizer-tests/llama-cpp-vocab-test-" + vocab + ".json")));
        String model = (String) pairs.get("gguf");
        Tokenizer fromGguf = gguf(family(model));
        Tokenizer fromJson = HuggingFaceTokenizer.load(family(model.replace("model.gguf", "hf/tokenizer.json")));
        int n = 0;
        for (Object o : (List<?>) pairs.get("cases")) {
            Map<?, ?> c = (Map<?, ?>) o;
            String text = (String) c.get("text");
            int[] expected = ((List<?>) c.get("expected")).stream().mapToInt(x -> (int) (long) (Long) x).toArray();
            assertThat(fromGguf.encode(text, false, false, false)).as("gguf " + Json.write(text)).containsExactly(expected);
            assertThat(fromJson.encode(text, false, false, false)).as("json " + Json.write(text)).containsExactly(expected);
            n++;
        }
        System.out.println("llama.cpp test pairs " + vocab + ": " + n + "/" + n + " from GGUF and tokenizer.json");
        assertThat(n).isEqualTo(46);
    }
}
