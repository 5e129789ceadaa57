package org.sparselora4j.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.sparselora4j.autograd.AdamW;
import org.sparselora4j.autograd.Tape;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.lora.LoraAdapter;
import org.sparselora4j.lora.LoraConfig;
import org.sparselora4j.lora.run.LoraMethod;
import org.sparselora4j.lora.run.StepBenchmark;
import org.sparselora4j.lora.run.TrainingMethod;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaInit;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.sparse.BaseGradient;
import org.sparselora4j.sparse.FfnScoring;
import org.sparselora4j.sparse.GqaMapping;
import org.sparselora4j.sparse.RandomPredictor;
import org.sparselora4j.sparse.SparseLoraMethod;
import org.sparselora4j.sparse.SparsityPlan;
import org.sparselora4j.tensor.Backend;
import org.sparselora4j.tensor.kernel.Rope;

import java.util.EnumSet;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * LoRA and SparseLoRA training steps with the frozen base on the TornadoVM backend (PoCL here) reach the losses of the same
 * steps on the Vector API (1e-4 relative): the offload changes where the products run, not what they compute.
 * Slow: about 14 s each on PoCL with 2 cores.
 */
@Tag("slow")
class TornadoTrainingTest {
    /** stories260K's shape (GQA, widths that are not multiples of the device tiles), random weights. */
    private static final LlamaConfig SHAPE = new LlamaConfig(64, 172, 5, 8, 4, 512, 64, 10000, Rope.Style.INTERLEAVED, 1e-5f, true);
    private static final LoraConfig LORA = new LoraConfig(4, 8, 0f, EnumSet.allOf(Target.class));
    /** Two rows of 32 positions, the last 8 labelled: 24 context tokens per row take SparseLoRA's sparse path. */
    private static final TokenBatch BATCH = StepBenchmark.randomBatch(SHAPE.vocabSize(), 2, 32, 8, 3);
    private static final int STEPS = 4;

    @Test
    void loraStepsOnTornadoMatchTheCpu() {
        LlamaWeights weights = LlamaInit.random(SHAPE, 7, 0.1f);
        assertSameLosses(backend -> new LoraMethod(LoraAdapter.create(weights, LORA, 5, backend)));
    }

    @Test
    void sparseLoraStepsOnTornadoMatchTheCpu() {
        LlamaWeights weights = LlamaInit.random(SHAPE, 7, 0.1f);
        // Step 0 dense, then every layer sparse at 50% in FFN and attention: gathered rows and columns of every projection.
        SparsityPlan plan = SparsityPlan.uniform(SHAPE.layers(), 0.5, 1);
        assertSameLosses(backend -> new SparseLoraMethod(LoraAdapter.create(weights, LORA, 5, backend),
                new SparseLoraMethod.Settings(plan, new RandomPredictor(SHAPE, GqaMapping.HEAD_CONSISTENT, 9), BaseGradient.EXACT, 0, FfnScoring.MEAN, "random"),
                "test"));
    }

    private static void assertSameLosses(Function<Backend, TrainingMethod> method) {
        float[] cpu = train(method.apply(Backend.cpu()));
        float[] device;
        try (Backend backend = TornadoOrSkip.backend()) {
            device = train(method.apply(backend));
            assertThat(TornadoOrSkip.cachedBytes(backend)).as("frozen weights cached on the device").isPositive();
        }
        for (int s = 0; s < STEPS; s++) {
            assertThat(device[s]).as("loss at step %d", s).isCloseTo(cpu[s], within(1e-4f * Math.abs(cpu[s])));
        }
        assertThat(cpu[STEPS - 1]).as("the steps train").isLessThan(cpu[0]);
    }

    /** Losses of STEPS AdamW steps on one batch. */
    private static float[] train(TrainingMethod m) {
        AdamW adam = new AdamW(m.parameters(), AdamW.Config.defaults());
        float[] losses = new float[STEPS];
        for (int s = 0; s < STEPS; s++) {
            m.beginStep(s);
            Tape.zeroGrad(m.parameters());
            Var loss = m.model().loss(BATCH, s);
            Tape.backward(loss);
            adam.step(1e-2);
            losses[s] = loss.value().get(0);
        }
        return losses;
    }
}
