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
 * <li>FFN, by the {@link FfnScoring}: {@link FfnScoring#MEAN} averages X over each sample's positions → Xbar
 * (B, dim); {@link FfnScoring#TOKENS} keeps all B·T rows. Either way G~ = rows·A_gate·B_gate, U~ likewise;
 * score = column L2 norm of SiLU(G~)⊙U~ over those rows; keep the top floor(hiddenDim·(1−s)).</li>
 * <li>Attention: all B·T rows, no averaging; q~, k~, v~ = X·A·B; column L2 norms qn, kn, vn, mapped to channel
 * sets by the {@link GqaMapping}.</li>
 * </ul>
 * The attention norms use ||X·A·b_c||² = b_cᵀ·(PᵀP)·b_c with P = X·[A_q A_k A_v] (B·T, 3r): one pass over X of
 * dim·3r per row, then r² work per channel, never the (B·T, width) products themselves. Same result, to rounding.
 * The FFN has no such shortcut (SiLU sits between the factors and the norm), so its scoring forms the products,
 * a block of rows at a time ({@link #CHUNK_FLOATS}).
 */
public final class SvdPredictor implements ChannelPredictor {
    /** Floats in each (rows, hiddenDim) temporary of the FFN scoring (4 MiB): memory stays bounded whatever B·T is. */
    static final int CHUNK_FLOATS = 1 << 20;

    private final SvdEstimator estimator;
    private final GqaMapping mapping;
    private final FfnScoring ffnScoring;
    private final LlamaConfig config;
    private final Tensor[] attentionA; // per layer: [A_q A_k A_v] (dim, 3r); null for layers without factors

    /** FFN channels scored on sequence means, the reference default ({@link FfnScoring#MEAN}). */
    public SvdPredictor(SvdEstimator estimator, GqaMapping mapping) {
        this(estimator, mapping, FfnScoring.MEAN);
    }

    public SvdPredictor(SvdEstimator estimator, GqaMapping mapping, FfnScoring ffnScoring) {
        this.estimator = estimator;
        this.mapping = mapping;
        this.ffnScoring = ffnScoring;
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

    public FfnScoring ffnScoring() {
        return ffnScoring;
    }

    @Override
    public Index ffn(int layer, Tensor x, TokenBatch batch, double sparsity) {
        int keep = ChannelPredictor.keep(config.hiddenDim(), sparsity);
        return TopK.of(ffnScores(layer, x, batch), keep);
    }

    /**
     * The FFN channel scores (hiddenDim): column norms of SiLU(rows·A_g·B_g) ⊙ (rows·A_u·B_u) over the B sequence
     * means or the B·T token rows, as the {@link FfnScoring} says.
     */
    public float[] ffnScores(int layer, Tensor x, TokenBatch batch) {
        ChannelScores.checkInput(x, batch, config.dim());
        SvdEstimator.LayerFactors f = estimator.layer(layer);
        Tensor rows = switch (ffnScoring) {
            case MEAN -> ChannelScores.sequenceMean(x, batch);  // (B, dim)
            case TOKENS -> x;                                   // (B·T, dim)
        };
        return swiGluNorms(f.gate(), f.up(), rows, Math.max(1, CHUNK_FLOATS / config.hiddenDim()));
    }

    /**
     * Column norms of SiLU(x·A_g·B_g) ⊙ (x·A_u·B_u) over the n rows of x (n, dim), {@code chunkRows} rows at a
     * time: (chunk, r) and (chunk, hiddenDim) buffers reused, squares summed across chunks in double.
     */
    static float[] swiGluNorms(SvdEstimator.Factors gate, SvdEstimator.Factors up, Tensor x, int chunkRows) {
        if (chunkRows < 1) throw new IllegalArgumentException("chunk rows must be positive, got " + chunkRows);
        int n = x.rows();
        int hidden = gate.outFeatures();
        int rows = Math.max(1, Math.min(n, chunkRows));
        Tensor gateMid = Tensor.zeros(rows, gate.rank());       // (chunk, r)
        Tensor upMid = Tensor.zeros(rows, up.rank());           // (chunk, r)
        Tensor g = Tensor.zeros(rows, hidden);                  // (chunk, hiddenDim)
        Tensor u = Tensor.zeros(rows, hidden);                  // (chunk, hiddenDim)
        double[] sum = new double[hidden];
        for (int from = 0; from < n; from += rows) {
            int m = Math.min(rows, n - from);
            Tensor xc = x.rows(from, from + m);
            Tensor gc = g.rows(0, m);
            Tensor uc = u.rows(0, m);
            gate.project(xc, gateMid.rows(0, m), gc);
            up.project(xc, upMid.rows(0, m), uc);
            SwiGlu.forward(gc, uc, gc);
            ChannelScores.addColumnSquares(gc, sum);
        }
        return ChannelScores.sqrt(sum);
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
