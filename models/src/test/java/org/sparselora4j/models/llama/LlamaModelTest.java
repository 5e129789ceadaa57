package org.sparselora4j.models.llama;

import org.junit.jupiter.api.Test;
import org.sparselora4j.autograd.AdamW;
import org.sparselora4j.autograd.GradCheck;
import org.sparselora4j.autograd.Ops;
import org.sparselora4j.autograd.Tape;
import org.sparselora4j.autograd.Var;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class LlamaModelTest {
    @Test
    void wholeModelGradientsMatchFiniteDifferences() {
        LlamaConfig c = TinyModels.config();
        LlamaModel model = LlamaModel.of(TinyModels.random(c, 1), LlamaModel.fullFineTuning());
        TokenBatch batch = TinyModels.batch(c, 2);
        List<Var> params = model.parameters();
        // embedding (tied classifier), two norms and seven projections per layer, final norm
        assertThat(params).hasSize(1 + c.layers() * 9 + 1);
        // Check a representative subset: the first layer's projections, a norm, and the final norm.
        Var[] checked = {params.get(1), params.get(2), params.get(5), params.get(7), params.get(10), params.getLast()};
        // A whole model sums many float32 lane reductions whose order can change as the JIT compiles them, so a
        // loss carries ~1e-6 of noise, which the central difference turns into ~1e-4 of noise in a gradient; warm
        // the kernels up first so that most evaluations run compiled code, and compare gradients below 1e-2
        // absolutely (tolerance 1e-2 of 1e-2) instead of relatively. Per-op checks keep the default floor.
        for (int i = 0; i < 30; i++) model.loss(batch, 0);
        GradCheck.Report report = GradCheck.check(() -> model.loss(batch, 0), GradCheck.EPS, 1e-2, checked);
        assertThat(report.passes(GradCheck.TOLERANCE)).as(report.toString()).isTrue();
    }

    @Test
    void lastBlockOnLabelledRowsGivesTheLossAndGradientsOfEveryRow() {
        LlamaConfig c = TinyModels.config();
        LlamaModel model = LlamaModel.of(TinyModels.random(c, 5), LlamaModel.fullFineTuning());
        TokenBatch batch = TinyModels.batch(c, 6); // 6 of 14 rows labelled, 2 of them padding
        int[] rows = batch.labelRows();
        assertThat(rows.length).isLessThan(batch.tokenCount());
        int[] targets = new int[rows.length];
        for (int i = 0; i < rows.length; i++) targets[i] = batch.targets()[rows[i]];
        List<Var> params = model.parameters();

        Var cut = model.loss(batch, 0);
        Tape.backward(cut);
        List<float[]> cutGrads = params.stream().map(p -> p.grad().toArray()).toList();
        Tape.zeroGrad(params);
        // The reference: every block on every row, the labelled rows taken after the last one.
        Var whole = Ops.crossEntropy(model.logits(model.hidden(batch, 0), rows), targets, rows.length);
        Tape.backward(whole);

        assertThat(cut.value().get(0)).isCloseTo(whole.value().get(0), within(1e-5f));
        float[] cutLogits = Tape.noGrad(() -> model.logits(batch, 0, rows)).value().toArray();
        float[] wholeLogits = Tape.noGrad(() -> model.logits(model.hidden(batch, 0), rows)).value().toArray();
        for (int j = 0; j < wholeLogits.length; j++) assertThat(cutLogits[j]).isCloseTo(wholeLogits[j], within(1e-5f));
        for (int i = 0; i < params.size(); i++) {
            float[] want = params.get(i).grad().toArray(), got = cutGrads.get(i);
            for (int j = 0; j < want.length; j++) assertThat(got[j]).as("parameter %d element %d", i, j).isCloseTo(want[j], within(1e-5f));
        }
    }

    @Test
    void frozenModelGetsNoGradients() {
        LlamaConfig c = TinyModels.config();
        LlamaModel model = LlamaModel.of(TinyModels.random(c, 1), LlamaModel.frozen());
        assertThat(model.parameters()).isEmpty();
        Var loss = model.loss(TinyModels.batch(c, 2), 0);
        assertThat(loss.requiresGrad()).isFalse();
        assertThat(loss.value().get(0)).isPositive();
    }

    @Test
    void fullFineTuningOverfitsOneBatch() {
        LlamaConfig c = TinyModels.config();
        LlamaModel model = LlamaModel.of(TinyModels.random(c, 3), LlamaModel.fullFineTuning());
        TokenBatch batch = TinyModels.batch(c, 4);
        AdamW adam = new AdamW(model.parameters(), AdamW.Config.defaults().withWeightDecay(0));
        float first = 0, last = 0;
        for (int step = 0; step < 60; step++) {
            Tape.zeroGrad(model.parameters());
            Var loss = model.loss(batch, step);
            if (step == 0) first = loss.value().get(0);
            last = loss.value().get(0);
            Tape.backward(loss);
            adam.step(1e-2);
        }
        assertThat(last).isLessThan(first * 0.2f);
    }

    @Test
    void rejectsTokensOutsideTheVocabulary() {
        LlamaConfig c = TinyModels.config();
        LlamaModel model = LlamaModel.of(TinyModels.random(c, 1), LlamaModel.frozen());
        TokenBatch good = TinyModels.batch(c, 2);
        int[] tokens = good.tokens().clone();
        tokens[3] = c.vocabSize();
        TokenBatch bad = new TokenBatch(good.batchSize(), good.seqLen(), tokens, good.targets(), good.lengths());
        assertThatThrownBy(() -> model.loss(bad, 0)).hasMessageContaining("token id 32 at position 3");
    }
}
