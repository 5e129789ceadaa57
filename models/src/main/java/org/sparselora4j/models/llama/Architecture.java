package org.sparselora4j.models.llama;

/**
 * What sets a family's decoder block apart from LLaMA 2's, as data the one block reads (llama.cpp builds these
 * families from one graph with optional tensors the same way): Llama 3, Mistral, Qwen2/2.5 and Qwen3 are all
 * this block.
 *
 * @param family      which checkpoint family (names for files; see {@link Family})
 * @param headSize    size of one attention head (HF {@code head_dim}, GGUF {@code attention.key_length}); usually
 *                    dim / heads, but Qwen3 sets it on its own, so q is (heads·headSize) wide, not dim
 * @param qkvBias     q, k and v projections add a bias (Qwen2); o never has one here
 * @param qkNorm      q and k get an RMSNorm per head, weight (headSize), before RoPE (Qwen3)
 * @param ropeScaling how RoPE's frequencies derive from theta
 */
public record Architecture(Family family, int headSize, boolean qkvBias, boolean qkNorm, RopeScaling ropeScaling) {
    public Architecture {
        if (family == null) throw new IllegalArgumentException("family is required");
        if (ropeScaling == null) throw new IllegalArgumentException("ropeScaling is required");
        if (headSize <= 0 || headSize % 2 != 0) throw new IllegalArgumentException("head size " + headSize + " must be even and positive for RoPE");
        if (ropeScaling instanceof RopeScaling.Divisors d && d.divisors().length != headSize / 2) {
            throw new IllegalArgumentException(d.divisors().length + " RoPE frequency divisors for head size " + headSize);
        }
    }

    /** The LLaMA 2 block: no biases, no q/k norm, plain RoPE. */
    public static Architecture llama(int headSize) {
        return new Architecture(Family.LLAMA, headSize, false, false, new RopeScaling.None());
    }

    /** Whether the block has parts beyond LLaMA 2's (q/k/v biases or q/k norms). */
    public boolean hasAttentionExtras() {
        return qkvBias || qkNorm;
    }
}
