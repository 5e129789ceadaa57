package org.sparselora4j.models.llama;

import org.sparselora4j.tensor.Backend;

/**
 * The seven projections of one decoder block, as the model calls them. {@link #dense} wraps a block's weights;
 * LoRA and SparseLoRA build their own.
 *
 * @param wq   dim → heads·headSize (qDim)
 * @param wk   dim → kvDim
 * @param wv   dim → kvDim
 * @param wo   heads·headSize → dim
 * @param gate dim → hiddenDim
 * @param up   dim → hiddenDim
 * @param down hiddenDim → dim
 */
public record BlockProjections(Projection wq, Projection wk, Projection wv, Projection wo,
                               Projection gate, Projection up, Projection down) {

    /** The block's own dense weights. */
    public static BlockProjections dense(LayerWeights w) {
        return dense(w, Backend.cpu());
    }

    /** The block's own dense weights, their products on {@code backend}. */
    public static BlockProjections dense(LayerWeights w, Backend b) {
        return new BlockProjections(Projection.dense(w.wq(), b), Projection.dense(w.wk(), b), Projection.dense(w.wv(), b),
                Projection.dense(w.wo(), b), Projection.dense(w.gate(), b), Projection.dense(w.up(), b), Projection.dense(w.down(), b));
    }

    /** Throws unless every projection maps the widths the config implies; {@code layer} names the block. */
    public void check(LlamaConfig c, int layer) {
        expect(layer, "wq", wq, c.dim(), c.qDim());
        expect(layer, "wk", wk, c.dim(), c.kvDim());
        expect(layer, "wv", wv, c.dim(), c.kvDim());
        expect(layer, "wo", wo, c.qDim(), c.dim());
        expect(layer, "gate", gate, c.dim(), c.hiddenDim());
        expect(layer, "up", up, c.dim(), c.hiddenDim());
        expect(layer, "down", down, c.hiddenDim(), c.dim());
    }

    private static void expect(int layer, String name, Projection p, int in, int out) {
        if (p.inFeatures() != in || p.outFeatures() != out) {
            throw new IllegalArgumentException("layer " + layer + " " + name + " maps " + p.inFeatures() + " → " + p.outFeatures()
                    + ", expected " + in + " → " + out);
        }
    }
}
