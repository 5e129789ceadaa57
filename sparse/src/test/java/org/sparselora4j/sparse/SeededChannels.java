package org.sparselora4j.sparse;

import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * A test predictor: seeded random channels, a fresh draw per call. Attention pairs q with k and o with v head
 * by head (a kept kv channel kvh·headSize + d keeps q channels (kvh·group + j)·headSize + d).
 */
final class SeededChannels implements ChannelPredictor {
    private final LlamaConfig config;
    private final SplittableRandom random;

    SeededChannels(LlamaConfig config, long seed) {
        this.config = config;
        this.random = new SplittableRandom(seed);
    }

    @Override
    public Index ffn(int layer, Tensor x, TokenBatch batch, double sparsity) {
        int n = config.hiddenDim();
        return pick(n, ChannelPredictor.keep(n, sparsity));
    }

    @Override
    public AttentionChannels attention(int layer, Tensor x, TokenBatch batch, double sparsity) {
        int kv = config.kvDim();
        Index k = pick(kv, ChannelPredictor.keep(kv, sparsity));
        Index v = pick(kv, ChannelPredictor.keep(kv, sparsity));
        return new AttentionChannels(toQuery(k), k, v, toQuery(v));
    }

    private Index toQuery(Index kvChannels) {
        int group = config.groupSize(), hs = config.headSize();
        int[] q = new int[kvChannels.size() * group];
        int n = 0;
        for (int i = 0; i < kvChannels.size(); i++) {
            int c = kvChannels.get(i), kvh = c / hs, d = c % hs;
            for (int j = 0; j < group; j++) q[n++] = (kvh * group + j) * hs + d;
        }
        return Index.sorted(q);
    }

    private Index pick(int n, int k) {
        int[] all = new int[n];
        for (int i = 0; i < n; i++) all[i] = i;
        for (int i = 0; i < k; i++) {
            int j = i + random.nextInt(n - i);
            int t = all[i];
            all[i] = all[j];
            all[j] = t;
        }
        return Index.sorted(java.util.Arrays.copyOf(all, k));
    }
}
