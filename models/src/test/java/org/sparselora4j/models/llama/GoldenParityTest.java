package org.sparselora4j.models.llama;

import org.junit.jupiter.api.Test;
import org.sparselora4j.models.format.Gguf;
import org.sparselora4j.models.format.GgufModel;
import org.sparselora4j.models.format.HuggingFaceModel;
import org.sparselora4j.models.format.Json;
import org.sparselora4j.models.format.Llama2cCheckpoint;
import org.sparselora4j.models.format.Llama2cTokenizer;
import org.sparselora4j.models.format.Tokenizer;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.CrossEntropy;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** stories260K against the outside references in ../shared/golden (PyTorch and llama2.c run.c). */
class GoldenParityTest {
    /** The 64 greedy tokens, their logits at every position and the loss. */
    record Golden(int[] tokens, float[][] logits, double loss) {
        static Golden read(String name) throws IOException {
            Map<String, Object> json = Json.parseObject(Files.readString(SharedData.require("golden/" + name)));
            List<?> tokenList = (List<?>) json.get("tokens");
            int[] tokens = tokenList.stream().mapToInt(t -> ((Number) t).intValue()).toArray();
            List<?> rows = (List<?>) json.get("logits");
            if (!(rows.get(0) instanceof List)) rows = List.of(rows); // the file holds the last position only
            float[][] logits = new float[rows.size()][];
            for (int r = 0; r < rows.size(); r++) {
                List<?> row = (List<?>) rows.get(r);
                logits[r] = new float[row.size()];
                for (int i = 0; i < row.size(); i++) logits[r][i] = ((Number) row.get(i)).floatValue();
            }
            return new Golden(tokens, logits, ((Number) json.get("loss")).doubleValue());
        }
    }

    /** Mean cross-entropy of predicting tokens[1..] from the rows before. */
    static double meanLoss(Tensor logits, int[] tokens) {
        int[] targets = Arrays.copyOfRange(tokens, 1, tokens.length);
        return CrossEntropy.lossSum(logits.rows(0, tokens.length - 1), targets) / targets.length;
    }

    static void assertMatches(LlamaWeights weights, Golden golden) {
        Tensor logits = new LlamaInference(weights).newSession().prefill(golden.tokens());
        int first = logits.rows() - golden.logits().length;
        for (int r = 0; r < golden.logits().length; r++) {
            float[] row = logits.row(first + r).toArray();
            for (int i = 0; i < row.length; i++) {
                assertThat(row[i]).as("position %d logit %d", first + r, i).isCloseTo(golden.logits()[r][i], within(1e-4f));
            }
        }
        assertThat(meanLoss(logits, golden.tokens())).isCloseTo(golden.loss(), within(1e-5));
    }

    @Test
    void llama2cCheckpointMatchesEveryPositionsLogits() throws IOException {
        Golden golden = Golden.read("stories260K-greedy64-logits.json");
        assertThat(golden.logits()).hasNumberOfRows(64);
        assertMatches(Llama2cCheckpoint.load(SharedData.require("models/stories260K.bin")), golden);
    }

    @Test
    void huggingFaceFolderMatchesEveryPositionsLogits() throws IOException {
        assertMatches(HuggingFaceModel.load(SharedData.require("models/stories260K-hf")), Golden.read("stories260K-greedy64-logits.json"));
    }

    @Test
    void ggufMatchesEveryPositionsLogits() throws IOException {
        assertMatches(GgufModel.load(SharedData.require("models/stories260K.gguf")), Golden.read("stories260K-greedy64-logits.json"));
    }

    @Test
    void q8GgufMatchesItsDequantizedReference() throws IOException {
        Golden golden = Golden.read("stories260K-q8_0-greedy64-last.json");
        assertThat(golden.logits()).hasNumberOfRows(1);
        assertMatches(GgufModel.load(SharedData.require("models/stories260K-q8_0.gguf")), golden);
    }

    @Test
    void greedyGenerationReproducesRunC() throws IOException {
        LlamaInference model = new LlamaInference(Llama2cCheckpoint.load(SharedData.require("models/stories260K.bin")));
        assertGreedyTexts(model, Llama2cTokenizer.load(SharedData.require("models/tok512.bin")));
    }

    @Test
    void greedyGenerationFromGgufWithItsOwnTokenizerReproducesRunC() throws IOException {
        try (Gguf gguf = Gguf.open(SharedData.require("models/stories260K.gguf"))) {
            assertGreedyTexts(new LlamaInference(GgufModel.weights(gguf)), GgufModel.tokenizer(gguf).orElseThrow());
        }
    }

    static void assertGreedyTexts(LlamaInference model, Tokenizer tokenizer) throws IOException {
        Generator generator = new Generator(model, tokenizer);
        for (Map.Entry<String, String> e : SharedData.greedyTexts().entrySet()) {
            int promptTokens = tokenizer.encode(e.getKey(), true, false).length;
            StringBuilder text = new StringBuilder();
            // run.c -n 120 reads 120 positions: maxNewTokens = 120 − P + 1.
            Generator.Generation g = generator.generate(e.getKey(), 121 - promptTokens, Sampler.greedy(), text::append);
            assertThat(text + "\n").as("prompt '%s'", e.getKey()).isEqualTo(e.getValue());
            assertThat(generator.text(g.tokens())).isEqualTo(text.toString());
            assertThat(g.tokens()).hasSize(121);
        }
    }
}
