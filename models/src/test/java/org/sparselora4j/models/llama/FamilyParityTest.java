package org.sparselora4j.models.llama;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparselora4j.autograd.Tape;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.models.format.GgufModel;
import org.sparselora4j.models.format.HuggingFaceModel;
import org.sparselora4j.models.format.Json;
import org.sparselora4j.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The four tiny families of {@code ../shared/golden/families} (Llama 3.2 with llama3 RoPE scaling, an untied
 * Llama 3, Qwen2 with biases, Qwen3 with q/k norms and its own head_dim) against llama.cpp's logits, from the
 * GGUF file and from the HF folder; greedy decoding agrees between the two; the training graph's logits equal
 * the KV-cached inference's.
 */
class FamilyParityTest {
    static final float TOLERANCE = 1e-4f;

    /** What refs/random64.json holds: the 64 ids and, per position, the logits at sel_ids; full rows at some positions. */
    record Reference(int[] tokens, int[] selIds, float[][] selLogits, int[] fullPositions, float[][] fullLogits, int[] argmax, double meanLoss) {
        static Reference read(Path file) throws IOException {
            Map<String, Object> json = Json.parseObject(Files.readString(file));
            int[] tokens = ints(json.get("tokens"));
            int[] selIds = ints(json.get("sel_ids"));
            float[][] sel = floats(json.get("sel_logits"));
            int[] positions;
            float[][] full;
            if (Boolean.TRUE.equals(json.get("logits_complete"))) {
                full = floats(json.get("logits"));
                positions = new int[full.length];
                Arrays.setAll(positions, i -> i);
            } else {
                Map<?, ?> rows = (Map<?, ?>) json.get("full_rows");
                positions = ints(rows.get("positions"));
                full = floats(rows.get("logits"));
            }
            return new Reference(tokens, selIds, sel, positions, full, ints(json.get("argmax")),
                    ((Number) json.get("mean_next_token_ce_f64")).doubleValue());
        }

        private static int[] ints(Object list) {
            return ((List<?>) list).stream().mapToInt(v -> ((Number) v).intValue()).toArray();
        }

        private static float[][] floats(Object rows) {
            List<?> list = (List<?>) rows;
            float[][] out = new float[list.size()][];
            for (int r = 0; r < out.length; r++) {
                List<?> row = (List<?>) list.get(r);
                out[r] = new float[row.size()];
                for (int i = 0; i < out[r].length; i++) out[r][i] = ((Number) row.get(i)).floatValue();
            }
            return out;
        }
    }

    static Path family(String name) {
        return SharedData.require("golden/families/" + name);
    }

    /** The largest |engine − reference| over every logit the reference holds; asserts the argmax and loss too. */
    static double maxAbsDiff(LlamaWeights weights, Reference ref) {
        LlamaInference model = new LlamaInference(weights);
        Tensor logits = new InferenceSession(model, new KvCache(weights.config(), ref.tokens().length)).prefill(ref.tokens());
        return maxAbsDiff(logits, ref);
    }

    static double maxAbsDiff(Tensor logits, Reference ref) {
        double max = 0;
        for (int p = 0; p < ref.tokens().length; p++) {
            for (int j = 0; j < ref.selIds().length; j++) {
                max = Math.max(max, Math.abs(logits.get(p, ref.selIds()[j]) - ref.selLogits()[p][j]));
            }
            assertThat(argmax(logits.row(p).toArray())).as("argmax at position %d", p).isEqualTo(ref.argmax()[p]);
        }
        for (int r = 0; r < ref.fullPositions().length; r++) {
            int p = ref.fullPositions()[r];
            for (int i = 0; i < ref.fullLogits()[r].length; i++) max = Math.max(max, Math.abs(logits.get(p, i) - ref.fullLogits()[r][i]));
        }
        assertThat(GoldenParityTest.meanLoss(logits, ref.tokens())).isCloseTo(ref.meanLoss(), within(1e-4));
        return max;
    }

    static int argmax(float[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
        return best;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "llama3-untied", "qwen2", "qwen3"})
    void ggufMatchesLlamaCpp(String name) throws IOException {
        Reference ref = Reference.read(family(name).resolve("refs/random64.json"));
        double diff = maxAbsDiff(GgufModel.load(family(name).resolve("model.gguf")), ref);
        System.out.printf("family parity %s gguf: max |logit diff| %.2e%n", name, diff);
        assertThat(diff).isLessThan(TOLERANCE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "llama3-untied", "qwen2", "qwen3"})
    void hfFolderMatchesLlamaCpp(String name) throws IOException {
        Reference ref = Reference.read(family(name).resolve("refs/random64.json"));
        double diff = maxAbsDiff(HuggingFaceModel.load(family(name).resolve("hf")), ref);
        System.out.printf("family parity %s hf: max |logit diff| %.2e%n", name, diff);
        assertThat(diff).isLessThan(TOLERANCE);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama3", "llama3-untied", "qwen2", "qwen3"})
    void greedyDecodingAgreesBetweenFormats(String name) throws IOException {
        Reference ref = Reference.read(family(name).resolve("refs/random64.json"));
        int[] prompt = Arrays.copyOf(ref.tokens(), 8);
        int[] fromGguf = greedy(GgufModel.load(family(name).resolve("model.gguf")), prompt, 24);
        int[] fromHf = greedy(HuggingFaceModel.load(family(name).resolve("hf")), prompt, 24);
        assertThat(fromGguf).isEqualTo(fromHf);
    }

    /** The training graph (frozen) gives the inference pass's logits at every position, biases and q/k norms included. */
    @ParameterizedTest
    @ValueSource(strings = {"llama3", "qwen2", "qwen3"})
    void trainingGraphMatchesInference(String name) throws IOException {
        Reference ref = Reference.read(family(name).resolve("refs/random64.json"));
        for (LlamaWeights w : List.of(GgufModel.load(family(name).resolve("model.gguf")), HuggingFaceModel.load(family(name).resolve("hf")))) {
            int n = ref.tokens().length;
            int[] targets = new int[n];
            Arrays.fill(targets, -1);
            TokenBatch batch = new TokenBatch(1, n, ref.tokens(), targets, new int[] {n});
            LlamaModel model = LlamaModel.of(w, LlamaModel.frozen());
            int[] rows = new int[n];
            Arrays.setAll(rows, i -> i);
            Tensor logits = Tape.noGrad(() -> {
                Var hidden = model.hidden(batch, 0);
                return model.logits(hidden, rows).value();
            });
            assertThat(maxAbsDiff(logits, ref)).isLessThan(TOLERANCE);
        }
    }

    private static int[] greedy(LlamaWeights weights, int[] prompt, int steps) {
        InferenceSession s = new InferenceSession(new LlamaInference(weights), new KvCache(weights.config(), prompt.length + steps));
        Tensor logits = s.prefill(prompt);
        int token = argmax(logits.row(prompt.length - 1).toArray());
        int[] out = new int[steps];
        for (int i = 0; i < steps; i++) {
            out[i] = token;
            if (i + 1 < steps) token = argmax(s.next(token));
        }
        return out;
    }
}
