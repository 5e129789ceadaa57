package org.sparselora4j.sparse.losa;

import org.junit.jupiter.api.Test;
import org.sparselora4j.models.llama.LlamaInference;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.tensor.Tensor;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SequentialPrunerTest {
    @Test
    void theBlockForwardGivesTheInferenceLogitsOnStories260K() throws Exception {
        LlamaWeights w = LosaFixtures.stories260K();
        List<int[]> seqs = LosaFixtures.randomSequences(3, 24, w.config().vocabSize(), 7);
        Calibration c = Calibration.of(seqs, 2);
        List<List<Tensor>> outputs = SequentialPruner.layerOutputs(w, c);
        BlockForward forward = new BlockForward(w.config());
        for (int chunk = 0; chunk < 2; chunk++) {
            Tensor logits = forward.logits(w, outputs.getLast().get(chunk));
            for (int s = 0; s < c.chunks().get(chunk).batchSize(); s++) {
                Tensor expected = new LlamaInference(w).newSession().prefill(seqs.get(chunk * 2 + s));
                Tensor actual = logits.rows(s * 24, (s + 1) * 24);
                assertThat(actual.toArray()).usingComparatorWithPrecision(1e-4f).containsExactly(expected.toArray());
            }
        }
    }

    @Test
    void rateZeroChangesNothingAndErrorsAreZero() {
        LlamaWeights w = LosaFixtures.tiny(3, 4);
        Calibration c = Calibration.of(LosaFixtures.randomSequences(5, 10, 32, 1), 2);
        SequentialPruner.Result r = SequentialPruner.prune(w, c, new double[3], PrunePattern.unstructured(), SequentialPruner.layerOutputs(w, c));
        for (int l = 0; l < 3; l++) {
            for (Target t : Target.values()) assertThat(t.weight(r.weights().layers().get(l)).toArray()).containsExactly(t.weight(w.layers().get(l)).toArray());
        }
        assertThat(r.reconstructionErrors()).containsExactly(0, 0, 0);
    }

    @Test
    void eachBlockGetsItsRateAndErrorsGrowWithSparsity() {
        LlamaWeights w = LosaFixtures.tiny(3, 5);
        Calibration c = Calibration.of(LosaFixtures.randomSequences(6, 12, 32, 2), 4);
        List<List<Tensor>> reference = SequentialPruner.layerOutputs(w, c);
        SequentialPruner.Result light = SequentialPruner.prune(w, c, new double[] {0.2, 0.5, 0.8}, PrunePattern.unstructured(), reference);
        Sparsity s = Sparsity.of(light.weights());
        assertThat(s.perLayer()[0]).isCloseTo(0.2, within(1e-3));
        assertThat(s.perLayer()[1]).isCloseTo(0.5, within(1e-3));
        assertThat(s.perLayer()[2]).isCloseTo(0.8, within(1e-3));
        SequentialPruner.Result heavy = SequentialPruner.prune(w, c, new double[] {0.6, 0.6, 0.6}, PrunePattern.unstructured(), reference);
        assertThat(heavy.reconstructionErrors()[0]).isGreaterThan(light.reconstructionErrors()[0]).isPositive();
        // Rounding is diffused over matrices: the model total is exact although no single matrix of 0.67 or 0.73 is.
        SequentialPruner.Result pairs = SequentialPruner.prune(w, c, new double[] {0.67, 0.73, 0.7}, PrunePattern.unstructured());
        assertThat(Sparsity.of(pairs.weights()).zeros()).isEqualTo(Math.round(2.1 * Sparsity.of(w).total() / 3));
        // The input weights are not touched.
        assertThat(Sparsity.of(w).overall()).isZero();
    }

    @Test
    void blockZeroIsPrunedWithStatisticsOfTheEmbeddingsAndLaterBlocksSeeThePrunedPrefix() {
        LlamaWeights w = LosaFixtures.tiny(2, 6);
        Calibration c = Calibration.of(LosaFixtures.randomSequences(4, 8, 32, 3), 4);
        SequentialPruner.Result r = SequentialPruner.prune(w, c, new double[] {0.5, 0.5}, PrunePattern.unstructured());
        // Block 1 by hand: its statistics come from the output of the pruned block 0.
        BlockForward f = new BlockForward(w.config());
        List<Tensor> x0 = f.embed(w, c);
        ChannelNorms s0 = new ChannelNorms(4);
        f.block(w.layers().get(0), c, x0, s0);
        assertThat(SequentialPruner.pruneBlock(w.layers().get(0), s0, 0.5, PrunePattern.unstructured()).wq().toArray())
                .containsExactly(r.weights().layers().get(0).wq().toArray());
        List<Tensor> x1 = f.block(r.weights().layers().get(0), c, x0);
        ChannelNorms s1 = new ChannelNorms(4);
        f.block(w.layers().get(1), c, x1, s1);
        assertThat(SequentialPruner.pruneBlock(w.layers().get(1), s1, 0.5, PrunePattern.unstructured()).down().toArray())
                .containsExactly(r.weights().layers().get(1).down().toArray());
    }
}
