package org.sparselora4j.sparse;

import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * Uniformly random channels (the paper's "random" ablation): scores drawn uniformly, the top k kept, so every
 * k-subset is equally likely; attention scores go through the same {@link GqaMapping} as the other predictors.
 * Seeded: the n-th call for a layer draws from a stream fixed by (seed, layer, n), whatever order layers run in.
 */
public final class RandomPredictor implements ChannelPredictor {
    private final LlamaConfig config;
    private final GqaMapping mapping;
    private final long seed;
    private final long[] calls;

    public RandomPredictor(LlamaConfig config, GqaMapping mapping, long seed) {
        this.config = config;
        this.mapping = mapping;
        this.seed = seed;
        this.calls = new long[config.layers()];
    }

    @Override
    public Index ffn(int layer, Tensor x, TokenBatch batch, double sparsity) {
        int keep = ChannelPredictor.keep(config.hiddenDim(), sparsity);
        return TopK.of(uniform(next(layer), config.hiddenDim()), keep);
    }

    @Override
    public AttentionChannels attention(int layer, Tensor x, TokenBatch batch, double sparsity) {
        SplittableRandom random = next(layer);
        float[] qn = uniform(random, config.heads() * config.headSize());
        float[] kn = uniform(random, config.kvDim());
        float[] vn = uniform(random, config.kvDim());
        return mapping.select(qn, kn, vn, config, sparsity);
    }

    private synchronized SplittableRandom next(int layer) {
        long n = calls[layer]++;
        return new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (layer + 1)) ^ (0xC2B2AE3D27D4EB4FL * (n + 1)));
    }

    private static float[] uniform(SplittableRandom random, int n) {
        float[] s = new float[n];
        for (int i = 0; i < n; i++) s[i] = (float) random.nextDouble();
        return s;
    }
}
