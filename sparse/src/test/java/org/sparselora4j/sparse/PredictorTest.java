package org.sparselora4j.sparse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sparselora4j.models.format.LoadedModel;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaInit;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Tensor;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class PredictorTest {
    @ParameterizedTest
    @EnumSource(GqaMapping.class)
    void atFullRankTheAttentionPredictionIsTheOracle(GqaMapping mapping) {
        // Every factored matrix has rank ≤ kvDim, so rank-kvDim factors give X·A·B = X·Wᵀ.
        LlamaConfig c = SparseFixtures.smallConfig(2);
        LlamaWeights w = SparseFixtures.lowRank(c, c.kvDim(), 11);
        TokenBatch batch = SparseFixtures.randomBatch(c, 3, 12, 5);
        List<LayerInputs> inputs = LayerInputs.capture(w, batch);
        SvdPredictor svd = new SvdPredictor(SvdEstimator.build(w, c.kvDim()), mapping);
        OraclePredictor oracle = new OraclePredictor(w, mapping);
        for (int l = 0; l < c.layers(); l++) {
            for (double s : new double[]{0.25, 0.5, 0.75}) {
                Tensor x = inputs.get(l).attention();
                assertThat(svd.attention(l, x, batch, s)).as("layer %d at %.2f", l, s).isEqualTo(oracle.attention(l, x, batch, s));
            }
        }
    }

    @Test
    void atFullRankTheFfnPredictionIsTheOracleOnTheSequenceMean() {
        LlamaConfig c = SparseFixtures.smallConfig(2);
        LlamaWeights w = SparseFixtures.lowRank(c, c.kvDim(), 12);
        TokenBatch batch = SparseFixtures.randomBatch(c, 4, 10, 6);
        Tensor x = LayerInputs.capture(w, batch).get(1).ffn();
        SvdPredictor svd = new SvdPredictor(SvdEstimator.build(w, c.kvDim()), GqaMapping.HEAD_CONSISTENT);
        OraclePredictor oracle = new OraclePredictor(w, GqaMapping.HEAD_CONSISTENT);
        // The oracle on the B sequence means (each a batch row of length 1), padding included in the mean.
        Tensor mean = ChannelScores.sequenceMean(x, batch);
        TokenBatch means = new TokenBatch(4, 1, new int[4], new int[]{-1, -1, -1, -1}, new int[]{1, 1, 1, 1});
        for (double s : new double[]{0.1, 0.5, 0.9}) {
            assertThat(svd.ffn(1, x, batch, s)).isEqualTo(oracle.ffn(1, mean, means, s));
        }
    }

    @Test
    void atFullRankTokenScoringIsTheOracle() {
        // Rank-kvDim factors reproduce gate and up, so scoring every token row is the oracle's criterion itself.
        LlamaConfig c = SparseFixtures.smallConfig(2);
        LlamaWeights w = SparseFixtures.lowRank(c, c.kvDim(), 13);
        TokenBatch batch = SparseFixtures.randomBatch(c, 3, 12, 7);
        List<LayerInputs> inputs = LayerInputs.capture(w, batch);
        SvdPredictor svd = new SvdPredictor(SvdEstimator.build(w, c.kvDim()), GqaMapping.HEAD_CONSISTENT, FfnScoring.TOKENS);
        OraclePredictor oracle = new OraclePredictor(w, GqaMapping.HEAD_CONSISTENT);
        for (int l = 0; l < c.layers(); l++) {
            Tensor x = inputs.get(l).ffn();
            float[] predicted = svd.ffnScores(l, x, batch);
            float[] exact = oracle.ffnScores(l, x);
            for (int j = 0; j < exact.length; j++) {
                assertThat(predicted[j]).as("layer %d channel %d", l, j).isCloseTo(exact[j], within(1e-4f * exact[j] + 1e-6f));
            }
            for (double s : new double[]{0.1, 0.25, 0.5, 0.75, 0.9}) {
                assertThat(svd.ffn(l, x, batch, s)).as("layer %d at %.2f", l, s).isEqualTo(oracle.ffn(l, x, batch, s));
            }
        }
    }

    @Test
    void tokenScoresAreThePlainScalarComputationInAnyChunking() {
        LlamaConfig c = SparseFixtures.smallConfig(2);
        LlamaWeights w = LlamaInit.random(c, 4, 0.3f);
        TokenBatch batch = SparseFixtures.randomBatch(c, 3, 7, 2);
        Tensor x = Tensor.randn(new SplittableRandom(9), 1f, batch.rows(), c.dim());    // (21, 32), padding rows included
        SvdEstimator est = SvdEstimator.build(w, 3);
        SvdEstimator.LayerFactors f = est.layer(1);
        float[] expected = scalarTokenScores(f.gate(), f.up(), x);
        assertClose(new SvdPredictor(est, GqaMapping.REFERENCE, FfnScoring.TOKENS).ffnScores(1, x, batch), expected);
        for (int chunk : new int[]{1, 4, 20, 21, 64}) assertClose(SvdPredictor.swiGluNorms(f.gate(), f.up(), x, chunk), expected);
    }

    @Test
    void theDefaultScoresFfnChannelsOnSequenceMeans() {
        LlamaConfig c = SparseFixtures.smallConfig(2);
        LlamaWeights w = LlamaInit.random(c, 4, 0.3f);
        TokenBatch batch = SparseFixtures.randomBatch(c, 3, 7, 2);
        Tensor x = Tensor.randn(new SplittableRandom(10), 1f, batch.rows(), c.dim());
        SvdEstimator est = SvdEstimator.build(w, 3);
        SvdPredictor byDefault = new SvdPredictor(est, GqaMapping.HEAD_CONSISTENT);
        assertThat(byDefault.ffnScoring()).isEqualTo(FfnScoring.MEAN);
        SvdEstimator.LayerFactors f = est.layer(0);
        assertClose(byDefault.ffnScores(0, x, batch), scalarTokenScores(f.gate(), f.up(), ChannelScores.sequenceMean(x, batch)));
    }

    /** Column norms of SiLU(x·A_g·B_g) ⊙ (x·A_u·B_u), one row and one channel at a time, in double. */
    private static float[] scalarTokenScores(SvdEstimator.Factors gate, SvdEstimator.Factors up, Tensor x) {
        int hidden = gate.outFeatures();
        double[] sum = new double[hidden];
        for (int i = 0; i < x.rows(); i++) {
            for (int j = 0; j < hidden; j++) {
                double g = project(gate, x, i, j);
                double u = project(up, x, i, j);
                double z = g / (1 + Math.exp(-g)) * u;
                sum[j] += z * z;
            }
        }
        float[] norms = new float[hidden];
        for (int j = 0; j < hidden; j++) norms[j] = (float) Math.sqrt(sum[j]);
        return norms;
    }

    /** (x·A·B)[i, j]. */
    private static double project(SvdEstimator.Factors f, Tensor x, int i, int j) {
        double out = 0;
        for (int p = 0; p < f.rank(); p++) {
            double xa = 0;
            for (int c = 0; c < x.cols(); c++) xa += (double) x.get(i, c) * f.a().get(c, p);
            out += xa * f.b().get(p, j);
        }
        return out;
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int j = 0; j < expected.length; j++) {
            assertThat(actual[j]).as("channel %d", j).isCloseTo(expected[j], within(1e-4f * expected[j] + 1e-6f));
        }
    }

    @Test
    void keptCountsFollowTheSparsity() {
        LlamaConfig c = SparseFixtures.smallConfig(2);
        LlamaWeights w = LlamaInit.random(c, 3, 0.3f);
        TokenBatch batch = SparseFixtures.randomBatch(c, 2, 8, 1);
        Tensor x = LayerInputs.capture(w, batch).get(0).attention();
        for (ChannelPredictor p : predictors(w)) {
            assertThat(p.ffn(0, x, batch, 0.5).size()).isEqualTo(24);
            assertThat(p.ffn(0, x, batch, 0.0).size()).isEqualTo(48);
            AttentionChannels a = p.attention(0, x, batch, 0.75);
            assertThat(a.k().size()).isEqualTo(2);
            assertThat(a.v().size()).isEqualTo(2);
            assertThat(a.q().size()).isEqualTo(8);
            a.q().checkBelow(32, "q");
            a.k().checkBelow(8, "k");
            a.o().checkBelow(32, "o");
        }
    }

    @Test
    void sparsityOutsideZeroToOneIsAClearError() {
        LlamaConfig c = SparseFixtures.smallConfig(2);
        LlamaWeights w = LlamaInit.random(c, 3, 0.3f);
        TokenBatch batch = SparseFixtures.randomBatch(c, 2, 8, 1);
        Tensor x = LayerInputs.capture(w, batch).get(0).attention();
        for (ChannelPredictor p : predictors(w)) {
            for (double s : new double[]{1.0, -0.1, Double.NaN, 1.5}) {
                assertThatThrownBy(() -> p.ffn(0, x, batch, s)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("sparsity must be in [0, 1)");
                assertThatThrownBy(() -> p.attention(0, x, batch, s)).hasMessageContaining("sparsity must be in [0, 1)");
            }
        }
    }

    @Test
    void aWrongInputShapeIsAnError() {
        LlamaConfig c = SparseFixtures.smallConfig(2);
        LlamaWeights w = LlamaInit.random(c, 3, 0.3f);
        TokenBatch batch = SparseFixtures.randomBatch(c, 2, 8, 1);
        SvdPredictor svd = new SvdPredictor(SvdEstimator.build(w, 2), GqaMapping.HEAD_CONSISTENT);
        assertThatThrownBy(() -> svd.ffn(0, Tensor.zeros(15, 32), batch, 0.5)).hasMessageContaining("expected [16, 32]");
    }

    @Test
    void randomIsSeededAndRoughlyUniform() {
        LlamaConfig c = SparseFixtures.smallConfig(2);
        Tensor x = Tensor.zeros(16, 32);
        TokenBatch batch = SparseFixtures.randomBatch(c, 2, 8, 1);
        RandomPredictor a = new RandomPredictor(c, GqaMapping.HEAD_CONSISTENT, 42);
        RandomPredictor b = new RandomPredictor(c, GqaMapping.HEAD_CONSISTENT, 42);
        int[] hits = new int[48];
        Index previous = null;
        boolean changed = false;
        for (int i = 0; i < 400; i++) {
            Index ia = a.ffn(1, x, batch, 0.5);
            assertThat(ia).isEqualTo(b.ffn(1, x, batch, 0.5));
            for (int v : ia.values()) hits[v]++;
            changed |= previous != null && !previous.equals(ia);
            previous = ia;
        }
        assertThat(changed).isTrue();
        // Each channel kept about half the time.
        assertThat(Arrays.stream(hits).min().orElseThrow()).isGreaterThan(140);
        assertThat(Arrays.stream(hits).max().orElseThrow()).isLessThan(260);
    }

    /**
     * Estimator fidelity on the real GQA checkpoint at 50% sparsity, rank 8, on 8 x 64 tokens of story text. What
     * holds there: q/k channels are predicted almost exactly (recall ≥ 0.85 in every layer); the FFN prediction beats
     * random and loses little to the rank (it is as good as the exact weights on the same sequence-mean input), but
     * it does NOT reach the hoped-for 0.8: on this model the FFN channel norms are flat (25th to 75th
     * percentile within 1.5x), the exact weights on the sequence means reach only ~0.57, and the oracle itself moves
     * between two halves of the batch (~0.70 agreement), which bounds any batch-level predictor. The head-consistent
     * GQA mapping drops much less of the q and o outputs than the reference code's mapping.
     */
    @Test
    void onStories260KTheEstimatorBeatsRandomAndTheHeadConsistentMappingLosesLess() {
        LoadedModel m = SparseFixtures.stories();
        TokenBatch batch = SparseFixtures.textBatch(m.tokenizer().orElseThrow(), 8, 64);
        SvdEstimator est = SvdEstimator.build(m.weights(), 8);
        EstimatorDiagnostics.Report head = halfSparse(m, est, batch, GqaMapping.HEAD_CONSISTENT, FfnScoring.MEAN);
        EstimatorDiagnostics.Report ref = halfSparse(m, est, batch, GqaMapping.REFERENCE, FfnScoring.MEAN);
        System.out.print(head.table());
        System.out.print(ref.table());
        for (EstimatorDiagnostics.Row r : head.rows()) {
            if (r.module() == EstimatorDiagnostics.Module.Q || r.module() == EstimatorDiagnostics.Module.K) {
                assertThat(r.recallSvd()).as("layer %d %s recall", r.layer(), r.module()).isGreaterThanOrEqualTo(0.85);
            }
            assertThat(r.errorOracle()).as("layer %d %s", r.layer(), r.module()).isLessThanOrEqualTo(r.errorRandom() + 0.05);
        }
        EstimatorDiagnostics.Module ffn = EstimatorDiagnostics.Module.FFN;
        assertThat(head.meanRecallSvd(ffn)).isGreaterThan(mean(head, ffn, EstimatorDiagnostics.Row::recallRandom) + 0.03);
        assertThat(head.meanRecallSvd(ffn)).isGreaterThan(mean(head, ffn, EstimatorDiagnostics.Row::recallMeanInput) - 0.05);
        assertThat(mean(head, ffn, EstimatorDiagnostics.Row::errorSvd)).isLessThan(mean(head, ffn, EstimatorDiagnostics.Row::errorRandom));
        assertThat(head.meanRecallSvd(EstimatorDiagnostics.Module.Q)).isGreaterThan(0.9);
        for (EstimatorDiagnostics.Module module : List.of(EstimatorDiagnostics.Module.Q, EstimatorDiagnostics.Module.O)) {
            assertThat(mean(head, module, EstimatorDiagnostics.Row::errorSvd)).as(module.name())
                    .isLessThan(mean(ref, module, EstimatorDiagnostics.Row::errorSvd) - 0.1);
        }
        // FFN and v selections do not depend on the mapping.
        assertThat(ref.meanRecallSvd(ffn)).isEqualTo(head.meanRecallSvd(ffn));
        assertThat(ref.meanRecallSvd(EstimatorDiagnostics.Module.V)).isEqualTo(head.meanRecallSvd(EstimatorDiagnostics.Module.V));
    }

    /**
     * Scoring every token through the same rank-8 factors recalls more of the oracle's FFN channels than the
     * sequence means (on this batch 0.60 against 0.56; the output error moves little, 0.762 against 0.767), and
     * leaves the attention selections as they were.
     */
    @Test
    void onStories260KTokenScoringRecallsMoreFfnChannelsThanTheSequenceMean() {
        LoadedModel m = SparseFixtures.stories();
        TokenBatch batch = SparseFixtures.textBatch(m.tokenizer().orElseThrow(), 8, 64);
        SvdEstimator est = SvdEstimator.build(m.weights(), 8);
        EstimatorDiagnostics.Report mean = halfSparse(m, est, batch, GqaMapping.HEAD_CONSISTENT, FfnScoring.MEAN);
        EstimatorDiagnostics.Report tokens = halfSparse(m, est, batch, GqaMapping.HEAD_CONSISTENT, FfnScoring.TOKENS);
        System.out.print(tokens.table());
        EstimatorDiagnostics.Module ffn = EstimatorDiagnostics.Module.FFN;
        // A margin well inside the measured 0.04: one channel flipping at a tie moves a layer's recall by 0.012.
        assertThat(tokens.meanRecallSvd(ffn)).isGreaterThan(mean.meanRecallSvd(ffn) + 0.02);
        for (EstimatorDiagnostics.Module module : List.of(EstimatorDiagnostics.Module.Q, EstimatorDiagnostics.Module.K, EstimatorDiagnostics.Module.V)) {
            assertThat(tokens.meanRecallSvd(module)).as(module.name()).isEqualTo(mean.meanRecallSvd(module));
        }
    }

    private static double mean(EstimatorDiagnostics.Report report, EstimatorDiagnostics.Module module,
                               java.util.function.ToDoubleFunction<EstimatorDiagnostics.Row> f) {
        return report.rows().stream().filter(r -> r.module() == module).mapToDouble(f).average().orElseThrow();
    }

    private static List<ChannelPredictor> predictors(LlamaWeights w) {
        LlamaConfig c = w.config();
        return List.of(new SvdPredictor(SvdEstimator.build(w, 2), GqaMapping.HEAD_CONSISTENT),
                new SvdPredictor(SvdEstimator.build(w, 2), GqaMapping.REFERENCE),
                new SvdPredictor(SvdEstimator.build(w, 2), GqaMapping.HEAD_CONSISTENT, FfnScoring.TOKENS),
                new OraclePredictor(w, GqaMapping.HEAD_CONSISTENT), new RandomPredictor(c, GqaMapping.REFERENCE, 1));
    }

    /** The fidelity report at 50% sparsity, random picks seeded with 1, one timing repeat. */
    private static EstimatorDiagnostics.Report halfSparse(LoadedModel m, SvdEstimator est, TokenBatch batch, GqaMapping mapping, FfnScoring scoring) {
        return EstimatorDiagnostics.run(m.weights(), est, batch, 0.5, mapping, scoring, 1, 1);
    }
}
