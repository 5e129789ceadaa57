package org.sparselora4j.lora;

import org.junit.jupiter.api.Assumptions;
import org.sparselora4j.autograd.Tape;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaInference;
import org.sparselora4j.models.llama.LlamaInit;
import org.sparselora4j.models.llama.LlamaModel;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Rope;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Tiny random models, adapters with non-zero factors, logits two ways, and the shared checkpoints. */
final class LoraFixtures {
    private LoraFixtures() {
    }

    /** dim 16, 2 layers, 4 heads over 2 kv heads, ffn 24, vocab 32, context 16. */
    static LlamaConfig tinyConfig(Rope.Style style) {
        return new LlamaConfig(16, 24, 2, 4, 2, 32, 16, 10000, style, 1e-5f, true);
    }

    static LlamaWeights tiny(Rope.Style style, long seed) {
        return LlamaInit.random(tinyConfig(style), seed, 0.3f);
    }

    static LoraConfig allTargets(int rank, float alpha) {
        return new LoraConfig(rank, alpha, 0f, EnumSet.allOf(Target.class));
    }

    /** An adapter whose A and B are both random (a fresh one has B = 0 and changes nothing). */
    static LoraAdapter randomAdapter(LlamaWeights base, LoraConfig config, long seed, float std) {
        LoraAdapter adapter = LoraAdapter.create(base, config, seed);
        SplittableRandom random = new SplittableRandom(seed + 1);
        for (int l = 0; l < base.config().layers(); l++) {
            for (Target t : config.targets()) {
                Tensor b = adapter.layer(l, t).b().value();
                b.copyFrom(Tensor.randn(random, std, b.rows(), b.cols()));
            }
        }
        return adapter;
    }

    /** Logits at every position of one sequence through the inference path (KV cache, no graph). */
    static Tensor inferenceLogits(LlamaWeights weights, int[] tokens) {
        return new LlamaInference(weights).newSession().prefill(tokens);
    }

    /** Logits at every position of one sequence through the training graph built with {@code parts}. */
    static Tensor graphLogits(LlamaWeights weights, LlamaModel.Parts parts, int[] tokens) {
        LlamaModel model = LlamaModel.of(weights, parts);
        int[] targets = new int[tokens.length];
        Arrays.fill(targets, -1);
        TokenBatch batch = new TokenBatch(1, tokens.length, tokens, targets, new int[] {tokens.length});
        int[] rows = new int[tokens.length];
        for (int i = 0; i < rows.length; i++) rows[i] = i;
        return Tape.noGrad(() -> model.logits(model.hidden(batch, 0), rows)).value();
    }

    static int[] tokens(int n, int vocab, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] t = new int[n];
        t[0] = 1;
        for (int i = 1; i < n; i++) t[i] = random.nextInt(vocab);
        return t;
    }

    static void assertClose(Tensor actual, Tensor expected, double tolerance) {
        assertThat(actual.shape()).isEqualTo(expected.shape());
        float[] a = actual.toArray(), e = expected.toArray();
        for (int i = 0; i < a.length; i++) assertThat((double) a[i]).as("element %d", i).isCloseTo(e[i], within(tolerance));
    }

    static double maxAbsDifference(Tensor a, Tensor b) {
        float[] x = a.toArray(), y = b.toArray();
        double max = 0;
        for (int i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i] - y[i]));
        return max;
    }

    /** The shared model file or folder {@code name}, or a skipped test with the reason printed. */
    static Path shared(String name) {
        Path p = Path.of(System.getProperty("sparselora4j.shared", "../shared")).resolve("models").resolve(name);
        if (!Files.exists(p)) {
            String reason = "skipped: shared test model " + p.toAbsolutePath() + " is absent";
            System.out.println(reason);
            Assumptions.abort(reason);
        }
        return p;
    }
}
