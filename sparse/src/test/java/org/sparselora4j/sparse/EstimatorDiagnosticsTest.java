package org.sparselora4j.sparse;

import org.junit.jupiter.api.Test;
import org.sparselora4j.models.format.Json;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.Index;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class EstimatorDiagnosticsTest {
    @Test
    void recallIsTheOverlapOverTheOracleSize() {
        assertThat(EstimatorDiagnostics.recall(Index.of(1, 2, 3, 4), Index.of(2, 4, 6, 8))).isEqualTo(0.5);
        assertThat(EstimatorDiagnostics.recall(Index.of(), Index.of())).isEqualTo(1);
    }

    @Test
    void droppedChannelErrorIsTheShareOfNormLeftOut() {
        assertThat(EstimatorDiagnostics.droppedChannelError(new float[]{3, 4}, Index.of(1))).isCloseTo(0.6, within(1e-9));
        assertThat(EstimatorDiagnostics.droppedChannelError(new float[]{3, 4}, Index.of(0, 1))).isZero();
    }

    @Test
    void atFullRankSvdMatchesTheOracleAndTheReportHasEveryRow() {
        LlamaConfig c = SparseFixtures.smallConfig(2);
        LlamaWeights w = SparseFixtures.lowRank(c, c.kvDim(), 21);
        TokenBatch batch = SparseFixtures.randomBatch(c, 4, 16, 2);
        EstimatorDiagnostics.Report r = EstimatorDiagnostics.run(w, SvdEstimator.build(w, c.kvDim()), batch, 0.5, GqaMapping.HEAD_CONSISTENT, FfnScoring.MEAN, 3, 1);
        assertThat(r.rows()).hasSize(2 * 5);
        for (EstimatorDiagnostics.Row row : r.rows()) {
            if (row.module() != EstimatorDiagnostics.Module.FFN) {
                assertThat(row.recallSvd()).isEqualTo(1.0);
                assertThat(row.errorSvd()).isCloseTo(row.errorOracle(), within(1e-9));
            } else {
                assertThat(row.recallSvd()).isCloseTo(row.recallMeanInput(), within(1e-9));
            }
            assertThat(row.errorOracle()).isBetween(0.0, 1.0);
        }
        assertThat(r.cost().predictorFlops()).isPositive().isLessThan(r.cost().layerForwardFlops());
        Map<String, Object> json = Json.parseObject(Json.write(r.toJson()));
        assertThat(json).containsKeys("sparsity", "rank", "gqaMapping", "rows", "mean", "cost");
        assertThat(json.get("gqaMapping")).isEqualTo("head-consistent");
        assertThat((List<?>) json.get("rows")).hasSize(10);
        String table = r.table();
        assertThat(table).contains("recall svd").contains("err oracle").contains(" mean  ffn");
        assertThat(table.lines().filter(l -> l.matches("\\s+\\d+  (ffn|q|k|v|o) .*")).count()).isEqualTo(10);
    }

    @Test
    void atFullRankTokenScoringFindsTheOracleFfnChannelsAndCostsMore() {
        LlamaConfig c = SparseFixtures.smallConfig(2);
        LlamaWeights w = SparseFixtures.lowRank(c, c.kvDim(), 21);
        TokenBatch batch = SparseFixtures.randomBatch(c, 4, 16, 2);
        SvdEstimator est = SvdEstimator.build(w, c.kvDim());
        EstimatorDiagnostics.Report tokens = EstimatorDiagnostics.run(w, est, batch, 0.5, GqaMapping.HEAD_CONSISTENT, FfnScoring.TOKENS, 3, 1);
        EstimatorDiagnostics.Report mean = EstimatorDiagnostics.run(w, est, batch, 0.5, GqaMapping.HEAD_CONSISTENT, FfnScoring.MEAN, 3, 1);
        for (EstimatorDiagnostics.Row row : tokens.rows()) {
            if (row.module() == EstimatorDiagnostics.Module.FFN) {
                assertThat(row.recallSvd()).as("layer %d", row.layer()).isEqualTo(1.0);
                assertThat(row.errorSvd()).isCloseTo(row.errorOracle(), within(1e-9));
            }
        }
        assertThat(tokens.cost().predictorFlops()).isGreaterThan(mean.cost().predictorFlops());
        assertThat(tokens.table()).contains("FFN scoring tokens");
        assertThat(mean.table()).contains("FFN scoring mean");
        assertThat(Json.parseObject(Json.write(tokens.toJson())).get("ffnScoring")).isEqualTo("tokens");
    }

    @Test
    void predictorFlopsCountTheFfnOnSequenceMeansOrOnEveryToken() {
        LlamaConfig c = SparseFixtures.smallConfig(2);
        TokenBatch batch = SparseFixtures.randomBatch(c, 4, 16, 2);
        double n = 64;
        double b = 4;
        double r = 8;
        double attention = 2 * n * c.dim() * 3 * r + 2 * n * 9 * r * r + 2 * r * r * (c.dim() + 2 * c.kvDim());
        double mean = n * c.dim() + 2 * (2 * b * c.dim() * r + 2 * b * r * c.hiddenDim()) + 4 * b * c.hiddenDim();
        double tokens = 2 * (2 * n * c.dim() * r + 2 * n * r * c.hiddenDim()) + 4 * n * c.hiddenDim();
        assertThat(EstimatorDiagnostics.predictorFlops(c, 8, batch, FfnScoring.MEAN)).isCloseTo(mean + attention, within(1e-6));
        assertThat(EstimatorDiagnostics.predictorFlops(c, 8, batch, FfnScoring.TOKENS)).isCloseTo(tokens + attention, within(1e-6));
    }

    @Test
    void sparsityOutsideZeroToOneIsAClearError() {
        LlamaConfig c = SparseFixtures.smallConfig(2);
        LlamaWeights w = SparseFixtures.lowRank(c, 4, 1);
        TokenBatch batch = SparseFixtures.randomBatch(c, 2, 8, 2);
        assertThatThrownBy(() -> EstimatorDiagnostics.run(w, SvdEstimator.build(w, 4), batch, 1.0, GqaMapping.REFERENCE, FfnScoring.MEAN, 1, 1))
                .hasMessageContaining("sparsity must be in [0, 1)");
    }
}
