package org.sparselora4j.models.llama;

import org.sparselora4j.tensor.Tensor;

import java.util.Optional;

/**
 * The weights of one decoder block, stored (out, in) as every format stores them. q and k rows (and their
 * biases and norms) are in the order of the model's {@link LlamaConfig#ropeStyle()}. The biases and q/k norms
 * are present exactly when the config's {@link Architecture} has them.
 *
 * @param attnNorm RMSNorm weight before attention (dim)
 * @param wq       query projection (heads·headSize, dim)
 * @param wk       key projection (kvDim, dim)
 * @param wv       value projection (kvDim, dim)
 * @param wo       output projection (dim, heads·headSize)
 * @param ffnNorm  RMSNorm weight before the FFN (dim)
 * @param gate     SwiGLU gate projection (hiddenDim, dim)
 * @param up       SwiGLU up projection (hiddenDim, dim)
 * @param down     down projection (dim, hiddenDim)
 * @param bias     q/k/v biases (Qwen2)
 * @param qkNorm   per-head RMSNorm weights of q and k (Qwen3)
 */
public record LayerWeights(Tensor attnNorm, Tensor wq, Tensor wk, Tensor wv, Tensor wo,
                           Tensor ffnNorm, Tensor gate, Tensor up, Tensor down,
                           Optional<QkvBias> bias, Optional<QkNorm> qkNorm) {

    /** Biases added to the q, k and v projections: (heads·headSize), (kvDim), (kvDim). */
    public record QkvBias(Tensor q, Tensor k, Tensor v) {
    }

    /** RMSNorm weights applied to each head of q and of k before RoPE: (headSize) each. */
    public record QkNorm(Tensor q, Tensor k) {
    }

    /** A LLaMA 2 block: no biases, no q/k norms. */
    public LayerWeights(Tensor attnNorm, Tensor wq, Tensor wk, Tensor wv, Tensor wo,
                        Tensor ffnNorm, Tensor gate, Tensor up, Tensor down) {
        this(attnNorm, wq, wk, wv, wo, ffnNorm, gate, up, down, Optional.empty(), Optional.empty());
    }

    public LayerWeights {
        if (bias == null || qkNorm == null) throw new IllegalArgumentException("bias and qkNorm must be Optional, not null");
    }

    /** The same block with other projection matrices (merged, pruned); norms, biases and q/k norms kept. */
    public LayerWeights withProjections(Tensor wq, Tensor wk, Tensor wv, Tensor wo, Tensor gate, Tensor up, Tensor down) {
        return new LayerWeights(attnNorm, wq, wk, wv, wo, ffnNorm, gate, up, down, bias, qkNorm);
    }

    /** Throws unless every tensor has the shape the config implies; {@code layer} names the block. */
    public void check(LlamaConfig c, int layer) {
        String p = "layer " + layer + " ";
        attnNorm.expect(p + "attention norm", c.dim());
        wq.expect(p + "wq", c.qDim(), c.dim());
        wk.expect(p + "wk", c.kvDim(), c.dim());
        wv.expect(p + "wv", c.kvDim(), c.dim());
        wo.expect(p + "wo", c.dim(), c.qDim());
        ffnNorm.expect(p + "ffn norm", c.dim());
        gate.expect(p + "gate", c.hiddenDim(), c.dim());
        up.expect(p + "up", c.hiddenDim(), c.dim());
        down.expect(p + "down", c.dim(), c.hiddenDim());
        Architecture a = c.architecture();
        if (a.qkvBias() != bias.isPresent()) {
            throw new IllegalArgumentException(p + (a.qkvBias() ? "has no q/k/v biases, which the architecture needs" : "has q/k/v biases the architecture lacks"));
        }
        if (a.qkNorm() != qkNorm.isPresent()) {
            throw new IllegalArgumentException(p + (a.qkNorm() ? "has no q/k norms, which the architecture needs" : "has q/k norms the architecture lacks"));
        }
        bias.ifPresent(b -> {
            b.q().expect(p + "q bias", c.qDim());
            b.k().expect(p + "k bias", c.kvDim());
            b.v().expect(p + "v bias", c.kvDim());
        });
        qkNorm.ifPresent(n -> {
            n.q().expect(p + "q norm", c.headSize());
            n.k().expect(p + "k norm", c.headSize());
        });
    }
}
