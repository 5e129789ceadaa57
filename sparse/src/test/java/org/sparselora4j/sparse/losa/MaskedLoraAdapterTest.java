package org.sparselora4j.sparse.losa;

import org.junit.jupiter.api.Test;
import org.sparselora4j.autograd.Tape;
import org.sparselora4j.lora.LoraAdapter;
import org.sparselora4j.lora.LoraConfig;
import org.sparselora4j.models.llama.LlamaModel;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.Tensor;

import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class MaskedLoraAdapterTest {
    private static final LoraConfig LORA = new LoraConfig(4, 8, 0f, EnumSet.allOf(Target.class));

    private static Calibration calibration(LlamaWeights w) {
        return Calibration.of(LosaFixtures.randomSequences(6, 12, w.config().vocabSize(), 3), 4);
    }

    /** A pruned tiny model and an adapter over it with random B, ranks 3 and 2. */
    private static MaskedLoraAdapter trainedAdapter(LlamaWeights pruned) {
        MaskedLoraAdapter adapter = MaskedLoraAdapter.create(pruned, LORA, 5).withRanks(new int[] {3, 2});
        SplittableRandom random = new SplittableRandom(6);
        for (int i = 1; i < adapter.parameters().size(); i += 2) {
            Tensor b = adapter.parameters().get(i).value();
            b.copyFrom(Tensor.randn(random, 0.5f, b.rows(), b.cols()));
        }
        return adapter;
    }

    private static void assertSameZeros(LlamaWeights actual, LlamaWeights expected) {
        for (int l = 0; l < expected.layers().size(); l++) {
            for (Target t : Target.values()) {
                float[] a = t.weight(actual.layers().get(l)).toArray(), e = t.weight(expected.layers().get(l)).toArray();
                for (int i = 0; i < e.length; i++) assertThat(a[i] == 0f).as("layer %d %s element %d", l, t, i).isEqualTo(e[i] == 0f);
            }
        }
    }

    @Test
    void mergingKeepsEveryPrunedWeightExactlyZeroAndMatchesTheGraph() {
        LlamaWeights dense = LosaFixtures.tiny(2, 1);
        LlamaWeights pruned = Losa.wanda(dense, calibration(dense), 0.5, PrunePattern.unstructured());
        MaskedLoraAdapter adapter = trainedAdapter(pruned);
        LlamaWeights merged = adapter.merged();
        assertSameZeros(merged, pruned);
        assertThat(Sparsity.of(merged).overall()).isEqualTo(Sparsity.of(pruned).overall()).isCloseTo(0.5, within(1e-3));

        // The merged model's logits equal those of the base with the masked LoRA in the graph.
        TokenBatch batch = calibration(dense).chunks().getFirst();
        adapter.eval();
        Tensor graph = Tape.noGrad(() -> LlamaModel.of(pruned, adapter.parts()).hidden(batch, 0)).value();
        Tensor plain = Tape.noGrad(() -> LlamaModel.of(merged, LlamaModel.frozen()).hidden(batch, 0)).value();
        assertThat(plain.toArray()).usingComparatorWithPrecision(1e-5f).containsExactly(graph.toArray());

        // An ordinary LoRA merged into the same sparse model fills it back in.
        LoraAdapter unmasked = LoraAdapter.create(pruned, LORA, 5);
        SplittableRandom random = new SplittableRandom(6);
        for (int i = 1; i < unmasked.parameters().size(); i += 2) {
            Tensor b = unmasked.parameters().get(i).value();
            b.copyFrom(Tensor.randn(random, 0.5f, b.rows(), b.cols()));
        }
        assertThat(Sparsity.of(unmasked.merged()).overall()).isLessThan(0.01);
    }

    @Test
    void unmergeRestoresTheBaseAndAfterRepruningKeepsTheNewZeros() {
        LlamaWeights dense = LosaFixtures.tiny(2, 2);
        Calibration calibration = calibration(dense);
        LlamaWeights pruned = Losa.wanda(dense, calibration, 0.3, PrunePattern.unstructured());
        MaskedLoraAdapter adapter = trainedAdapter(pruned);
        LlamaWeights merged = adapter.merged();
        LlamaWeights back = adapter.unmerge(merged);
        for (int l = 0; l < 2; l++) {
            for (Target t : Target.values()) {
                assertThat(t.weight(back.layers().get(l)).toArray()).usingComparatorWithPrecision(1e-6f)
                        .containsExactly(t.weight(pruned.layers().get(l)).toArray());
            }
        }
        assertSameZeros(back, pruned);

        // A round: prune the merged model further, unmerge with the new masks.
        LlamaWeights repruned = SequentialPruner.prune(merged, calibration, new double[] {0.6, 0.6}, PrunePattern.unstructured()).weights();
        LlamaWeights base = adapter.unmerge(repruned);
        assertSameZeros(base, repruned);
        for (int l = 0; l < 2; l++) {
            for (Target t : Target.values()) {
                float[] now = t.weight(base.layers().get(l)).toArray(), before = t.weight(pruned.layers().get(l)).toArray();
                for (int i = 0; i < now.length; i++) {
                    if (before[i] == 0f) assertThat(now[i]).as("a pruned weight stays pruned").isZero();
                    if (now[i] != 0f) assertThat(now[i]).isCloseTo(before[i], within(1e-5f));
                }
            }
        }
        MaskedLoraAdapter next = adapter.rebase(base);
        assertSameZeros(next.merged(), repruned);
        assertThat(Sparsity.of(next.merged()).overall()).isCloseTo(0.6, within(1e-3));
    }

    @Test
    void ranksAreCheckedAndParametersAreTheFullFactors() {
        LlamaWeights dense = LosaFixtures.tiny(2, 3);
        MaskedLoraAdapter adapter = MaskedLoraAdapter.create(dense, LORA, 1);
        assertThat(adapter.ranks()).containsExactly(4, 4);
        assertThat(adapter.parameters()).hasSize(2 * 7 * 2);
        assertThat(adapter.parameters().getFirst().value().shape().dims()).containsExactly(4, 16);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> adapter.withRanks(new int[] {5, 1})).hasMessageContaining("rank 5 outside [1, 4]");
        assertThat(List.of(adapter.withRanks(new int[] {1, 2}).layer(1, Target.DOWN).rank())).containsExactly(2);
    }
}
