package org.sparselora4j.sparse;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparselora4j.autograd.AdamW;
import org.sparselora4j.autograd.Tape;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.lora.LoraAdapter;
import org.sparselora4j.lora.LoraConfig;
import org.sparselora4j.lora.run.LoraMethod;
import org.sparselora4j.lora.run.TrainingMethod;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaInit;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.StepArena;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Training steps whose activations and gradients come from a {@link StepArena} (every tensor lent, handed-back
 * buffers filled with NaN) give the losses and gradients of steps without one: no op reads a buffer it was lent
 * before writing it, and none reads a value or gradient after the arena took it back. Covered: dense LoRA, and
 * SparseLoRA with sparse FFN and attention on one sequence (the grouped projections) and on a padded batch of
 * three (split groups), each with and without activation checkpointing.
 */
class StepArenaTrainingTest {
    private static final LlamaConfig C = Fixtures.GQA;
    private static final LoraConfig LORA = new LoraConfig(4, 8, 0f, EnumSet.allOf(Target.class));
    /** One sequence of 12, the last 4 positions labelled: context rows first, output rows last (the grouped path). */
    private static final TokenBatch ONE = outputAtTheEnd(12, 4);
    private static final TokenBatch THREE = Fixtures.batch(10, new int[] {10, 8, 9}, new int[] {6, 4, 7}, C.vocabSize());
    private static final SparsityPlan PLAN = new SparsityPlan(new double[] {0, 0.5, 0.5}, new double[] {0.5, 0.5, 0}, 1);

    private static TokenBatch outputAtTheEnd(int length, int outputs) {
        int[] tokens = new int[length], targets = new int[length];
        for (int t = 0; t < length; t++) tokens[t] = (3 * t + 1) % C.vocabSize();
        for (int t = 0; t < length; t++) targets[t] = t < length - outputs ? -1 : (5 * t + 2) % C.vocabSize();
        TokenBatch b = new TokenBatch(1, length, tokens, targets, new int[] {length});
        if (TokenSplit.of(b).sparseFirst() != length - outputs) throw new AssertionError("not a context-then-output batch");
        return b;
    }

    private static TrainingMethod method(String kind, boolean checkpointing) {
        LlamaWeights w = LlamaInit.random(C, 11, 0.2f);
        LoraAdapter adapter = LoraAdapter.create(w, LORA, 5);
        TrainingMethod m = kind.equals("lora") ? new LoraMethod(adapter)
                : new SparseLoraMethod(adapter, new SparseLoraMethod.Settings(PLAN, new SeededChannels(C, 2), BaseGradient.EXACT, 8,
                FfnScoring.MEAN, "test"), "test-base");
        m.model().checkpointing(checkpointing);
        return m;
    }

    /** Losses of four AdamW steps on {@code batch}, then every parameter's gradient of the last one. */
    private static List<float[]> train(TrainingMethod m, TokenBatch batch, StepArena arena) {
        AdamW adam = new AdamW(m.parameters(), AdamW.Config.defaults());
        float[] losses = new float[4];
        for (int s = 0; s < losses.length; s++) {
            int step = s;
            m.beginStep(step);
            Tape.zeroGrad(m.parameters());
            Runnable body = () -> {
                Var loss = m.model().loss(batch, step);
                Tape.backward(loss);
                losses[step] = loss.value().get(0);
            };
            if (arena == null) body.run();
            else arena.run(body);
            adam.step(1e-2);
        }
        List<float[]> out = new ArrayList<>();
        out.add(losses);
        for (Var p : m.parameters()) out.add(p.grad().toArray());
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"lora/one", "lora/three", "sparselora/one", "sparselora/three", "lora/one/checkpointing",
            "sparselora/one/checkpointing", "sparselora/three/checkpointing"})
    void stepsFromAnArenaTrainAsStepsWithout(String setup) {
        String[] s = setup.split("/");
        TokenBatch batch = s[1].equals("one") ? ONE : THREE;
        boolean checkpointing = s.length > 2;
        StepArena arena = new StepArena(1).poisonOnReturn();
        List<float[]> plain = train(method(s[0], checkpointing), batch, null);
        List<float[]> lent = train(method(s[0], checkpointing), batch, arena);
        assertThat(arena.mostLentFloats()).as("the arena lent the step's tensors").isPositive();
        // Released values and dropped gradients went back during the backward and were lent again.
        assertThat(arena.mostLentFloats()).isLessThan(arena.lastStepLentFloats() * 3 / 4);
        assertThat(lent).hasSameSizeAs(plain);
        for (int i = 0; i < plain.size(); i++) {
            float[] want = plain.get(i), got = lent.get(i);
            assertThat(got).hasSameSizeAs(want);
            for (int j = 0; j < want.length; j++) {
                // The same arithmetic in the same order; only the JIT's state may differ between the runs (a
                // lane reduction summed in another order interpreted than compiled), hence the rounding bound.
                String what = i == 0 ? "loss of step " + j : "gradient of parameter " + (i - 1) + ", element " + j;
                assertThat(got[j]).as("%s, %s", setup, what)
                        .isCloseTo(want[j], within(1e-5f * Math.max(1f, Math.abs(want[j]))));
            }
        }
    }
}
