package org.sparselora4j.models.llama;

import org.junit.jupiter.api.Test;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Rope;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class KvCacheTest {
    /** A long context (4096 positions) on a tiny shape, so storage for all of it would be visible. */
    private static final LlamaConfig LONG = new LlamaConfig(32, 48, 2, 4, 2, 40, 4096, 10000, Rope.Style.INTERLEAVED, 1e-5f, true);

    @Test
    void aNewSessionHoldsNoStorageAndGrowsInChunksWithTheTokensUsed() {
        KvCache cache = new KvCache(LONG, LONG.maxSeqLen());
        assertThat(cache.allocated()).isZero();
        LlamaInference model = new LlamaInference(LlamaInit.random(LONG, 3, 0.3f));
        model.forward(LlamaInferenceTest.randomTokens(5, 40, 1), cache);
        assertThat(cache.allocated()).isEqualTo(KvCache.CHUNK);
        model.forward(LlamaInferenceTest.randomTokens(KvCache.CHUNK, 40, 2), cache);
        assertThat(cache.allocated()).isEqualTo(2 * KvCache.CHUNK);
        assertThat(cache.capacity()).isEqualTo(LONG.maxSeqLen());
    }

    @Test
    void growthNeverPassesTheCapacity() {
        KvCache cache = new KvCache(LONG, 300);
        LlamaInference model = new LlamaInference(LlamaInit.random(LONG, 3, 0.3f));
        model.forward(LlamaInferenceTest.randomTokens(299, 40, 4), cache);
        assertThat(cache.allocated()).isEqualTo(300);
    }

    @Test
    void decodingAcrossGrowthKeepsTheEarlierPositions() {
        LlamaInference model = new LlamaInference(LlamaInit.random(LONG, 5, 0.3f));
        int[] tokens = LlamaInferenceTest.randomTokens(KvCache.CHUNK + 3, 40, 6);
        Tensor whole = new InferenceSession(model, new KvCache(LONG, tokens.length)).prefill(tokens);
        InferenceSession grown = model.newSession();
        grown.prefill(Arrays.copyOf(tokens, KvCache.CHUNK - 1));
        for (int pos = KvCache.CHUNK - 1; pos < tokens.length; pos++) {
            float[] decoded = grown.next(tokens[pos]);
            float[] expected = whole.row(pos).toArray();
            for (int i = 0; i < expected.length; i++) assertThat(decoded[i]).isCloseTo(expected[i], within(1e-4f));
        }
    }
}
