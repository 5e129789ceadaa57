package org.sparselora4j.sparse;

import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.tensor.Index;

/**
 * How per-channel attention scores become the q, k, v and o channel sets under grouped-query attention
 * (METHODS.md 1.4.2). q has heads·headSize channels, k and v have kvDim = kvHeads·headSize, g = heads / kvHeads.
 * In the standard layout q channel (kvh·g + j)·headSize + d pairs with kv channel kvh·headSize + d. Without GQA
 * (g = 1) both mappings give the same sets: q = k = top-k of qn·kn, v = o = top-k of vn.
 */
public enum GqaMapping {
    /**
     * Follows the head layout: qbar[kvh·dh + d] = mean over j of qn[(kvh·g + j)·dh + d]; each kept k channel
     * brings the g q channels that attend with it, and each kept v channel the g o-input channels it feeds.
     */
    HEAD_CONSISTENT,
    /**
     * The reference code's mapping [REPO QUIRK]: qn reshaped row-major to (g, kvDim) and averaged over the g rows;
     * q = {g·c + j}; o = the v set itself, i.e. kv-space indices used as columns of Wo.
     */
    REFERENCE;

    /**
     * The channel sets for scores qn (heads·headSize), kn and vn (kvDim) at a sparsity: k and v keep
     * {@link ChannelPredictor#keep}(kvDim, s) channels, q the g q channels of each kept k channel.
     */
    public AttentionChannels select(float[] qn, float[] kn, float[] vn, LlamaConfig config, double sparsity) {
        int kvDim = config.kvDim();
        int qDim = config.heads() * config.headSize();
        if (qn.length != qDim || kn.length != kvDim || vn.length != kvDim) {
            throw new IllegalArgumentException("attention scores of " + qn.length + ", " + kn.length + ", " + vn.length
                    + " channels do not match q " + qDim + " and kv " + kvDim);
        }
        int keep = ChannelPredictor.keep(kvDim, sparsity);
        float[] qbar = pool(qn, config);
        float[] score = new float[kvDim];
        for (int c = 0; c < kvDim; c++) score[c] = qbar[c] * kn[c];
        Index k = TopK.of(score, keep);
        Index v = TopK.of(vn, keep);
        return new AttentionChannels(queryChannels(k, config), k, v, outputChannels(v, config));
    }

    /** The q scores pooled into kv space (kvDim). */
    public float[] pool(float[] qn, LlamaConfig config) {
        int g = config.groupSize();
        int dh = config.headSize();
        int kvDim = config.kvDim();
        float[] qbar = new float[kvDim];
        for (int c = 0; c < kvDim; c++) {
            double sum = 0;
            for (int j = 0; j < g; j++) {
                int qc = switch (this) {
                    case HEAD_CONSISTENT -> ((c / dh) * g + j) * dh + c % dh;
                    case REFERENCE -> j * kvDim + c;
                };
                sum += qn[qc];
            }
            qbar[c] = (float) (sum / g);
        }
        return qbar;
    }

    /** The q channels that go with the kept k channels. */
    public Index queryChannels(Index k, LlamaConfig config) {
        return expand(k, config, true);
    }

    /** The o-input channels (columns of Wo) that go with the kept v channels. */
    public Index outputChannels(Index v, LlamaConfig config) {
        return switch (this) {
            case HEAD_CONSISTENT -> expand(v, config, false);
            case REFERENCE -> v;
        };
    }

    private Index expand(Index kv, LlamaConfig config, boolean query) {
        int g = config.groupSize();
        int dh = config.headSize();
        int[] out = new int[kv.size() * g];
        int n = 0;
        for (int i = 0; i < kv.size(); i++) {
            int c = kv.get(i);
            for (int j = 0; j < g; j++) {
                out[n++] = this == REFERENCE && query ? g * c + j : ((c / dh) * g + j) * dh + c % dh;
            }
        }
        return Index.sorted(out);
    }
}
