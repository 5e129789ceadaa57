package org.sparselora4j.sparse;

import org.sparselora4j.lora.run.Replicas;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Tensor;

import java.util.List;

/**
 * The SVD predictor over the global batch of a data-parallel run: each replica's predicted column norms are squared,
 * summed across replicas and rooted again (the norms over every replica's rows together) before the top-k, so all
 * replicas compute the same channels, those one process would pick for the whole batch.
 */
public final class ReplicatedPredictor implements ChannelPredictor {
    private final SvdPredictor svd;
    private final LlamaConfig config;
    private final Replicas replicas;

    public ReplicatedPredictor(SvdPredictor svd, LlamaConfig config, Replicas replicas) {
        this.svd = svd;
        this.config = config;
        this.replicas = replicas;
    }

    @Override
    public Index ffn(int layer, Tensor x, TokenBatch batch, double sparsity) {
        float[] norms = global(svd.ffnScores(layer, x, batch));
        return TopK.of(norms, ChannelPredictor.keep(config.hiddenDim(), sparsity));
    }

    @Override
    public AttentionChannels attention(int layer, Tensor x, TokenBatch batch, double sparsity) {
        float[][] n = svd.attentionScores(layer, x, batch);
        float[] all = new float[n[0].length + n[1].length + n[2].length];
        System.arraycopy(n[0], 0, all, 0, n[0].length);
        System.arraycopy(n[1], 0, all, n[0].length, n[1].length);
        System.arraycopy(n[2], 0, all, n[0].length + n[1].length, n[2].length);
        float[] g = global(all);
        float[] qn = java.util.Arrays.copyOfRange(g, 0, n[0].length);
        float[] kn = java.util.Arrays.copyOfRange(g, n[0].length, n[0].length + n[1].length);
        float[] vn = java.util.Arrays.copyOfRange(g, n[0].length + n[1].length, g.length);
        return svd.mapping().select(qn, kn, vn, config, sparsity);
    }

    /** sqrt(Σ over replicas of norm²), element by element. */
    private float[] global(float[] norms) {
        Tensor squares = Tensor.zeros(1, norms.length);
        float[] s = squares.data();
        for (int i = 0; i < norms.length; i++) s[squares.offset() + i] = norms[i] * norms[i];
        replicas.sumAcrossReplicas(List.of(squares), new double[0]);
        float[] out = new float[norms.length];
        for (int i = 0; i < norms.length; i++) out[i] = (float) Math.sqrt(s[squares.offset() + i]);
        return out;
    }
}
