package org.sparselora4j.sparse;

import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Tensor;

/**
 * Picks, once per sparse layer per step and for the whole batch, which channels of the frozen weights are computed
 * (SparseLoRA's contextual sparsity). Implementations: the SVD estimator (the method), the oracle (exact
 * activations, for diagnostics) and random selection (an ablation). {@code x} is the layer's normalized input
 * (B·T, dim) for all tokens of the batch, padding included, as the reference code scores it; {@code sparsity} is
 * the fraction of channels removed, so {@code floor(n·(1−sparsity))} are kept.
 */
public interface ChannelPredictor {
    /** FFN channels (of hiddenDim) to keep in layer {@code layer}: rows of gate and up, columns of down. */
    Index ffn(int layer, Tensor x, TokenBatch batch, double sparsity);

    /** Attention channels to keep in layer {@code layer}. */
    AttentionChannels attention(int layer, Tensor x, TokenBatch batch, double sparsity);

    /** Kept count for n channels at a sparsity: floor(n·(1−s)), at least 1. */
    static int keep(int n, double sparsity) {
        if (!(sparsity >= 0 && sparsity < 1)) throw new IllegalArgumentException("sparsity must be in [0, 1), got " + sparsity);
        return Math.max(1, (int) Math.floor(n * (1 - sparsity) + 1e-9));
    }
}
