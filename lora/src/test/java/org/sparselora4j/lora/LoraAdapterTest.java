package org.sparselora4j.lora;

import org.junit.jupiter.api.Test;
import org.sparselora4j.models.format.Llama2cCheckpoint;
import org.sparselora4j.models.llama.LayerWeights;
import org.sparselora4j.models.llama.LlamaModel;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Rope;

import java.io.IOException;
import java.util.EnumSet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class LoraAdapterTest {
    @Test
    void aFreshAdapterChangesNothing() {
        LlamaWeights base = LoraFixtures.tiny(Rope.Style.INTERLEAVED, 1);
        LoraAdapter adapter = LoraAdapter.create(base, LoraFixtures.allTargets(4, 8), 2);
        int[] tokens = LoraFixtures.tokens(9, 32, 3);
        Tensor plain = LoraFixtures.graphLogits(base, LlamaModel.frozen(), tokens);
        assertThat(LoraFixtures.graphLogits(base, adapter.parts(), tokens).toArray()).containsExactly(plain.toArray(), within(1e-5f)); // two forwards
    }

    @Test
    void mergedLogitsEqualUnmergedOnATinyModel() {
        LlamaWeights base = LoraFixtures.tiny(Rope.Style.INTERLEAVED, 4);
        LoraAdapter adapter = LoraFixtures.randomAdapter(base, LoraFixtures.allTargets(4, 8), 5, 0.2f);
        int[] tokens = LoraFixtures.tokens(12, 32, 6);
        Tensor unmerged = LoraFixtures.graphLogits(base, adapter.parts(), tokens);
        Tensor merged = LoraFixtures.graphLogits(adapter.merged(), LlamaModel.frozen(), tokens);
        Tensor plain = LoraFixtures.graphLogits(base, LlamaModel.frozen(), tokens);
        assertThat(LoraFixtures.maxAbsDifference(unmerged, plain)).as("the adapter must matter").isGreaterThan(1e-2);
        LoraFixtures.assertClose(merged, unmerged, 1e-4);
        LoraFixtures.assertClose(LoraFixtures.inferenceLogits(adapter.merged(), tokens), unmerged, 1e-4);
    }

    @Test
    void onlyTheTargetedProjectionsChangeAndOnlyTheFactorsTrain() {
        LlamaWeights base = LoraFixtures.tiny(Rope.Style.HALF_SPLIT, 7);
        LoraConfig config = new LoraConfig(2, 4, 0f, EnumSet.of(Target.V, Target.DOWN));
        LoraAdapter adapter = LoraFixtures.randomAdapter(base, config, 8, 0.2f);
        LlamaWeights merged = adapter.merged();
        for (int l = 0; l < base.layers().size(); l++) {
            for (Target t : Target.values()) {
                Tensor before = t.weight(base.layers().get(l)), after = t.weight(merged.layers().get(l));
                if (config.targets().contains(t)) assertThat(after.toArray()).isNotEqualTo(before.toArray());
                else assertThat(after).isSameAs(before);
            }
        }
        assertThat(adapter.parameters()).hasSize(2 * 2 * base.config().layers());
        assertThat(LlamaModel.of(base, adapter.parts()).parameters()).containsExactlyElementsOf(adapter.parameters());
    }

    @Test
    void unmergeGivesBackTheBase() {
        LlamaWeights base = LoraFixtures.tiny(Rope.Style.INTERLEAVED, 9);
        LoraAdapter adapter = LoraFixtures.randomAdapter(base, LoraFixtures.allTargets(3, 6), 10, 0.2f);
        assertWeightsClose(adapter.unmerge(adapter.merged()), base, 1e-6);
    }

    @Test
    void mergedLogitsEqualUnmergedOnStories260K() throws IOException {
        LlamaWeights base = Llama2cCheckpoint.load(LoraFixtures.shared("stories260K.bin"));
        LoraAdapter adapter = LoraFixtures.randomAdapter(base, LoraFixtures.allTargets(4, 8), 11, 0.05f);
        int[] tokens = LoraFixtures.tokens(24, base.config().vocabSize(), 12);
        Tensor unmerged = LoraFixtures.graphLogits(base, adapter.parts(), tokens);
        Tensor plain = LoraFixtures.graphLogits(base, LlamaModel.frozen(), tokens);
        assertThat(LoraFixtures.maxAbsDifference(unmerged, plain)).as("the adapter must matter").isGreaterThan(1e-2);
        LoraFixtures.assertClose(LoraFixtures.graphLogits(adapter.merged(), LlamaModel.frozen(), tokens), unmerged, 1e-4);
        LoraFixtures.assertClose(LoraFixtures.inferenceLogits(adapter.merged(), tokens), unmerged, 1e-4);
        assertWeightsClose(adapter.unmerge(adapter.merged()), base, 1e-6);
    }

    static void assertWeightsClose(LlamaWeights actual, LlamaWeights expected, double tolerance) {
        for (int l = 0; l < expected.layers().size(); l++) {
            LayerWeights a = actual.layers().get(l), e = expected.layers().get(l);
            for (Target t : Target.values()) LoraFixtures.assertClose(t.weight(a), t.weight(e), tolerance);
        }
        assertThat(actual.tokenEmbedding()).isSameAs(expected.tokenEmbedding());
    }
}
