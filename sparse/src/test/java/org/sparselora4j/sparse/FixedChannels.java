package org.sparselora4j.sparse;

import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Tensor;

/** A test predictor that always answers the same channels (a gradient check re-runs the forward many times). */
record FixedChannels(Index ffn, AttentionChannels attention) implements ChannelPredictor {
    @Override
    public Index ffn(int layer, Tensor x, TokenBatch batch, double sparsity) {
        return ffn;
    }

    @Override
    public AttentionChannels attention(int layer, Tensor x, TokenBatch batch, double sparsity) {
        return attention;
    }
}
