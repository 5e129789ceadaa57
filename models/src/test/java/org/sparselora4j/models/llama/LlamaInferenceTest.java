package org.sparselora4j.models.llama;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Rope;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class LlamaInferenceTest {
    /** Two layers, grouped-query attention (4 query heads on 2 key/value heads), head size 8. */
    static LlamaConfig tiny(Rope.Style style, boolean tied) {
        return new LlamaConfig(32, 48, 2, 4, 2, 40, 16, 10000, style, 1e-5f, tied);
    }

    static int[] randomTokens(int n, int vocab, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) tokens[i] = random.nextInt(vocab);
        return tokens;
    }

    @ParameterizedTest
    @EnumSource(Rope.Style.class)
    void batchedForwardMatchesTheOneTokenReference(Rope.Style style) {
        for (boolean tied : new boolean[] {true, false}) {
            LlamaWeights w = LlamaInit.random(tiny(style, tied), 7, 0.3f);
            int[] tokens = randomTokens(11, 40, 3);
            float[][] expected = ReferenceLlama.logits(w, tokens);
            Tensor logits = new LlamaInference(w).newSession().prefill(tokens);
            assertThat(logits.rows()).isEqualTo(tokens.length);
            for (int r = 0; r < tokens.length; r++) {
                assertClose(logits.row(r).toArray(), expected[r], 1e-4f);
            }
        }
    }

    @Test
    void cachedDecodeGivesTheSameLogitsAsAFullRerun() {
        LlamaWeights w = LlamaInit.random(tiny(Rope.Style.INTERLEAVED, true), 11, 0.3f);
        LlamaInference model = new LlamaInference(w);
        int[] tokens = randomTokens(16, 40, 5);

        InferenceSession cached = model.newSession();
        cached.prefill(new int[] {tokens[0], tokens[1], tokens[2]});
        for (int pos = 3; pos < tokens.length; pos++) {
            float[] decoded = cached.next(tokens[pos]);
            int[] prefix = java.util.Arrays.copyOf(tokens, pos + 1);
            Tensor full = model.newSession().prefill(prefix);
            assertClose(decoded, full.row(pos).toArray(), 1e-5f);
        }
        assertThat(cached.position()).isEqualTo(tokens.length);
    }

    @Test
    void prefillInChunksEqualsOneBatch() {
        LlamaWeights w = LlamaInit.random(tiny(Rope.Style.HALF_SPLIT, false), 13, 0.3f);
        LlamaInference model = new LlamaInference(w);
        int[] tokens = randomTokens(10, 40, 9);
        Tensor whole = model.newSession().prefill(tokens);
        InferenceSession chunks = model.newSession();
        Tensor first = chunks.prefill(java.util.Arrays.copyOfRange(tokens, 0, 4));
        Tensor second = chunks.prefill(java.util.Arrays.copyOfRange(tokens, 4, 10));
        for (int r = 0; r < 4; r++) assertClose(first.row(r).toArray(), whole.row(r).toArray(), 1e-5f);
        for (int r = 4; r < 10; r++) assertClose(second.row(r - 4).toArray(), whole.row(r).toArray(), 1e-5f);
    }

    @Test
    void longPrefillInCausalBlocksMatchesTheOneTokenReference() {
        // 150 positions span three blocks of 64 query positions; the second prefill starts mid-block at 70.
        LlamaConfig c = new LlamaConfig(32, 48, 2, 4, 2, 40, 160, 10000, Rope.Style.INTERLEAVED, 1e-5f, true);
        LlamaWeights w = LlamaInit.random(c, 17, 0.3f);
        int[] tokens = randomTokens(150, 40, 21);
        float[][] expected = ReferenceLlama.logits(w, tokens);
        LlamaInference model = new LlamaInference(w);
        Tensor whole = model.newSession().prefill(tokens);
        for (int r = 0; r < tokens.length; r++) assertClose(whole.row(r).toArray(), expected[r], 1e-4f);
        InferenceSession chunks = model.newSession();
        chunks.prefill(java.util.Arrays.copyOfRange(tokens, 0, 70));
        Tensor second = chunks.prefill(java.util.Arrays.copyOfRange(tokens, 70, 150));
        for (int r = 70; r < 150; r++) assertClose(second.row(r - 70).toArray(), whole.row(r).toArray(), 1e-5f);
    }

    @Test
    void resetStartsANewSequence() {
        LlamaInference model = new LlamaInference(LlamaInit.random(tiny(Rope.Style.INTERLEAVED, true), 1, 0.3f));
        InferenceSession session = model.newSession();
        float[] first = session.next(5);
        session.next(6);
        session.reset();
        assertThat(session.position()).isZero();
        assertThat(session.next(5)).containsExactly(first, within(1e-6f)); // a second forward: the JIT may reorder lanes
    }

    @Test
    void tokenOutsideTheVocabularyIsNamed() {
        LlamaInference model = new LlamaInference(LlamaInit.random(tiny(Rope.Style.INTERLEAVED, true), 1));
        assertThatThrownBy(() -> model.newSession().prefill(new int[] {1, 40}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("token id 40 at index 1").hasMessageContaining("[0, 40)");
        assertThatThrownBy(() -> model.newSession().prefill(new int[] {-1}))
                .hasMessageContaining("token id -1");
    }

    @Test
    void moreTokensThanTheContextIsAnError() {
        LlamaInference model = new LlamaInference(LlamaInit.random(tiny(Rope.Style.INTERLEAVED, true), 1));
        InferenceSession session = model.newSession();
        session.prefill(randomTokens(16, 40, 1));
        assertThatThrownBy(() -> session.next(3)).hasMessageContaining("do not fit in a KV cache of 16");
        assertThat(session.position()).isEqualTo(16);
    }

    @Test
    void projectionsCanBeReplaced() {
        LlamaWeights w = LlamaInit.random(tiny(Rope.Style.INTERLEAVED, true), 2, 0.3f);
        int[] calls = {0};
        Projection counting = new Projection() {
            final Projection inner = Projection.dense(w.classifier());

            public int inFeatures() {
                return inner.inFeatures();
            }

            public int outFeatures() {
                return inner.outFeatures();
            }

            public Tensor forward(Tensor x) {
                calls[0]++;
                return inner.forward(x);
            }
        };
        java.util.List<BlockProjections> blocks = w.layers().stream().map(BlockProjections::dense).toList();
        LlamaInference model = new LlamaInference(w, blocks, counting);
        float[] replaced = model.newSession().next(3);
        assertThat(calls[0]).isEqualTo(1);
        assertThat(replaced).containsExactly(new LlamaInference(w).newSession().next(3), within(1e-6f));
        assertThatThrownBy(() -> new LlamaInference(w, blocks, Projection.dense(w.layers().get(0).wq())))
                .hasMessageContaining("classifier maps 32 → 32");
    }

    static void assertClose(float[] actual, float[] expected, float tolerance) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < actual.length; i++) {
            assertThat(actual[i]).as("element %d", i).isCloseTo(expected[i], within(tolerance));
        }
    }
}
