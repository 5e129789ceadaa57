package org.sparselora4j.sparse;

import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.MatMul;
import org.sparselora4j.tensor.kernel.SwiGlu;

/**
 * SparseLoRA's predictor (METHODS.md 1.4.2): channel scores from the rank-r SVD factors instead of the weights.
 * <ul>
 * <li>FFN: X averaged over each sample's positions → Xbar (B, dim); G~ = Xbar·A_gate·B_gate, U~ likewise;
 * score = column L2 norm of SiLU(G~)⊙U~ over the B rows; keep the top floor(hiddenDim·(1−s)).</li>
 * <li>Attention: all B·T rows, no averaging; q~, k~, v~ = X·A·B; column L2 norms qn, kn, vn, mapped to channel
 * sets by the {@link GqaMapping}.</li>
 * </ul>
 * The attention norms use ||X·A·b_c||² = b_cᵀ·(PᵀP)·b_c with P = X·[A_q A_k A_v] (B·T, 3r): one pass over X of
 * dim·3r per row, then r² work per channel, never the (B·T, width) products themselves. Same result, to rounding.
 */
public final class SvdPredictor implements ChannelPredictor {
    private final SvdEstimator estimator;
    private final GqaMapping mapping;
    private final LlamaConfig config;
    private final Tensor[] attentionA; // per layer: [A_q A_k A_v] (dim, 3r); null for layers without factors

    public SvdPredictor(SvdEstimator estimator, GqaMapping mapping) {
        this.estimator = estimator;
        this.mapping = mapping;
        this.config = estimator.config();
        this.attentionA = new Tensor[config.layers()];
        int r = estimator.rank();
        for (int l : estimator.layers()) {
            SvdEstimator.LayerFactors f = estimator.layer(l);
            Tensor a = Tensor.zeros(config.dim(), 3 * r);
            SvdEstimator.Factors[] parts = {f.q(), f.k(), f.v()};
            for (int p = 0; p < 3; p++) {
                for (int i = 0; i < config.dim(); i++) {
                    for (int j = 0; j < r; j++) a.set(parts[p].a().get(i, j), i, p * r + j);
                }
            }
            attentionA[l] = a;
        }
    }

    public SvdEstimator estimator() {
        return estimator;
    }

    public GqaMapping mapping() {
        return mapping;
    }

    @Override
    public Index ffn(int layer, Tensor x, TokenBatch batch, double sparsity) {
        int keep = ChannelPredictor.keep(config.hiddenDim(), sparsity);
        return TopK.of(ffnScores(layer, x, batch), keep);
    }

    /** The FFN channel scores (hiddenDim): column norms of SiLU(Xbar·A_g·B_g) ⊙ (Xbar·A_u·B_u) over the samples. */
    public float[] ffnScores(int layer, Tensor x, TokenBatch batch) {
        ChannelScores.checkInput(x, batch, config.dim());
        SvdEstimator.LayerFactors f = estimator.layer(layer);
        Tensor mean = ChannelScores.sequenceMean(x, batch);      // (B, dim)
        Tensor gate = f.gate().project(mean);                    // (B, hiddenDim)
        Tensor up = f.up().project(mean);                        // (B, hiddenDim)
        SwiGlu.forward(gate, up, gate);
        return ChannelScores.columnNorms(gate);
    }

    @Override
    public AttentionChannels attention(int layer, Tensor x, TokenBatch batch, double sparsity) {
        float[][] n = attentionScores(layer, x, batch);
        return mapping.select(n[0], n[1], n[2], config, sparsity);
    }

    /** The predicted column norms {qn (heads·headSize), kn (kvDim), vn (kvDim)} over all B·T rows. */
    public float[][] attentionScores(int layer, Tensor x, TokenBatch batch) {
        ChannelScores.checkInput(x, batch, config.dim());
        SvdEstimator.LayerFactors f = estimator.layer(layer);
        int r = estimator.rank();
        Tensor p = MatMul.ab(x, attentionA[layer]);              // (B·T, 3r)
        double[][] g = ChannelScores.gram(p);                    // (3r, 3r)
        return new float[][]{
                ChannelScores.normsFromGram(ChannelScores.block(g, 0, r), f.q().b()),
                ChannelScores.normsFromGram(ChannelScores.block(g, r, r), f.k().b()),
                ChannelScores.normsFromGram(ChannelScores.block(g, 2 * r, r), f.v().b())};
    }
}
