package org.sparselora4j.sparse;

import org.sparselora4j.models.llama.TokenBatch;

import java.util.Locale;

/**
 * Which rows of the layer input X (B·T, dim) the {@link SvdPredictor} pushes through the rank-r gate and up
 * factors to score FFN channels (the reference code's {@code mlp_seq_avg}). Both score channel j by the column L2
 * norm of SiLU(rows·A_g·B_g) ⊙ (rows·A_u·B_u); they differ in the rows, and so in cost and in how close they come
 * to the oracle, which scores every token.
 */
public enum FfnScoring {
    /**
     * The reference default ({@code mlp_seq_avg=True}, METHODS.md 1.4.2): each sample's mean over its T positions,
     * padding included, so B rows. Cheap, but the SwiGLU of a mean is not the mean of the SwiGLUs.
     */
    MEAN,
    /**
     * {@code mlp_seq_avg=False}: every token row, B·T rows, padding included, as the oracle scores them. Costs
     * T times the factor products of {@link #MEAN}.
     */
    TOKENS;

    /** The rows that go through the factors for {@code batch}: B for {@link #MEAN}, B·T for {@link #TOKENS}. */
    public long rows(TokenBatch batch) {
        return switch (this) {
            case MEAN -> batch.batchSize();
            case TOKENS -> batch.rows();
        };
    }

    /** The CLI spelling: mean, tokens. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
