package org.sparselora4j.models.llama;

import org.sparselora4j.tensor.Tensor;

/**
 * The weights of one decoder block, stored (out, in) as every format stores them. q and k rows are in the
 * order of the model's {@link LlamaConfig#ropeStyle()}.
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
 */
public record LayerWeights(Tensor attnNorm, Tensor wq, Tensor wk, Tensor wv, Tensor wo,
                           Tensor ffnNorm, Tensor gate, Tensor up, Tensor down) {

    /** Throws unless every tensor has the shape the config implies; {@code layer} names the block. */
    public void check(LlamaConfig c, int layer) {
        String p = "layer " + layer + " ";
        attnNorm.expect(p + "attention norm", c.dim());
        wq.expect(p + "wq", c.dim(), c.dim());
        wk.expect(p + "wk", c.kvDim(), c.dim());
        wv.expect(p + "wv", c.kvDim(), c.dim());
        wo.expect(p + "wo", c.dim(), c.dim());
        ffnNorm.expect(p + "ffn norm", c.dim());
        gate.expect(p + "gate", c.hiddenDim(), c.dim());
        up.expect(p + "up", c.hiddenDim(), c.dim());
        down.expect(p + "down", c.dim(), c.hiddenDim());
    }
}
