package org.sparselora4j.sparse;

import org.sparselora4j.models.llama.LayerWeights;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.MatMul;
import org.sparselora4j.tensor.kernel.SwiGlu;

/**
 * The oracle criteria (METHODS.md 1.3) on the exact activations of the layer's frozen weights, over all B·T rows:
 * FFN = column L2 norms of SiLU(X·Wgateᵀ) ⊙ (X·Wupᵀ); V = column norms of X·Wvᵀ; QK = the attention norm
 * qn·kn of X·Wqᵀ and X·Wkᵀ, with the same {@link GqaMapping} as the predictor it is compared with. As costly as the
 * dense projections: for diagnostics and ablations, not for speed.
 */
public final class OraclePredictor implements ChannelPredictor {
    private final LlamaWeights weights;
    private final LlamaConfig config;
    private final GqaMapping mapping;

    public OraclePredictor(LlamaWeights weights, GqaMapping mapping) {
        this.weights = weights;
        this.config = weights.config();
        this.mapping = mapping;
    }

    @Override
    public Index ffn(int layer, Tensor x, TokenBatch batch, double sparsity) {
        int keep = ChannelPredictor.keep(config.hiddenDim(), sparsity);
        ChannelScores.checkInput(x, batch, config.dim());
        return TopK.of(ffnScores(layer, x), keep);
    }

    /** Column norms of the exact SwiGLU activation for x (n, dim): (hiddenDim). */
    public float[] ffnScores(int layer, Tensor x) {
        LayerWeights w = weights.layers().get(layer);
        Tensor gate = MatMul.abT(x, w.gate());
        Tensor up = MatMul.abT(x, w.up());
        SwiGlu.forward(gate, up, gate);
        return ChannelScores.columnNorms(gate);
    }

    @Override
    public AttentionChannels attention(int layer, Tensor x, TokenBatch batch, double sparsity) {
        ChannelScores.checkInput(x, batch, config.dim());
        LayerWeights w = weights.layers().get(layer);
        return mapping.select(ChannelScores.columnNorms(MatMul.abT(x, w.wq())), ChannelScores.columnNorms(MatMul.abT(x, w.wk())),
                ChannelScores.columnNorms(MatMul.abT(x, w.wv())), config, sparsity);
    }
}
