package org.sparselora4j.sparse;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sparselora4j.autograd.AdamW;
import org.sparselora4j.autograd.Tape;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.lora.LoraAdapter;
import org.sparselora4j.lora.LoraConfig;
import org.sparselora4j.lora.run.FullFineTuning;
import org.sparselora4j.lora.run.LoraMethod;
import org.sparselora4j.lora.run.TrainingMethod;
import org.sparselora4j.models.llama.Architecture;
import org.sparselora4j.models.llama.Family;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaInference;
import org.sparselora4j.models.llama.LlamaInit;
import org.sparselora4j.models.llama.LlamaModel;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.RopeScaling;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Rope;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * LoRA, SparseLoRA (SVD predictor) and full fine-tuning on the families' block shapes: Qwen2's q/k/v biases,
 * Qwen3's q/k norms with a head size that is not dim / heads, Llama 3's scaled RoPE. Each learns one batch; with
 * LoRA and SparseLoRA the biases and norms stay frozen, full fine-tuning trains them.
 */
class FamilyShapesTest {
    enum Shape {
        LLAMA3(new Architecture(Family.LLAMA, 4, false, false, new RopeScaling.Llama3(8, 1, 4, 16))),
        QWEN2(new Architecture(Family.QWEN2, 4, true, false, new RopeScaling.None())),
        QWEN3(new Architecture(Family.QWEN3, 8, false, true, new RopeScaling.None()));

        final Architecture architecture;

        Shape(Architecture architecture) {
            this.architecture = architecture;
        }

        /** dim 16, hidden 24, 3 layers, 4 query heads over 2 kv heads, vocab 40, HALF_SPLIT as HF loads it. */
        LlamaConfig config() {
            return new LlamaConfig(16, 24, 3, 4, 2, 40, 32, 1e6, Rope.Style.HALF_SPLIT, 1e-6f, true, architecture);
        }
    }

    private static final LoraConfig LORA = new LoraConfig(4, 8, 0f, EnumSet.allOf(Target.class));
    private static final TokenBatch BATCH = Fixtures.batch(10, new int[] {10, 8, 9}, new int[] {3, 2, 4}, 40);

    private static List<Float> train(TrainingMethod m, int steps) {
        AdamW adam = new AdamW(m.parameters(), AdamW.Config.defaults());
        List<Float> losses = new ArrayList<>();
        for (int s = 0; s < steps; s++) {
            m.beginStep(s);
            Tape.zeroGrad(m.parameters());
            Var loss = m.model().loss(BATCH, s);
            Tape.backward(loss);
            adam.step(2e-2);
            losses.add(loss.value().get(0));
        }
        return losses;
    }

    private static void assertLearns(List<Float> losses) {
        assertThat(losses.getLast()).isLessThan(0.8f * losses.getFirst());
    }

    /** The tensors of the biases and q/k norms of every block. */
    private static Set<Tensor> extras(LlamaWeights w) {
        Set<Tensor> s = Collections.newSetFromMap(new IdentityHashMap<>());
        w.layers().forEach(l -> {
            l.bias().ifPresent(b -> s.addAll(List.of(b.q(), b.k(), b.v())));
            l.qkNorm().ifPresent(n -> s.addAll(List.of(n.q(), n.k())));
        });
        return s;
    }

    private static boolean trainsAny(TrainingMethod m, Set<Tensor> tensors) {
        return m.parameters().stream().anyMatch(p -> tensors.contains(p.value()));
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void loraLearnsWithFrozenBiasesAndNorms(Shape shape) {
        LlamaWeights w = LlamaInit.random(shape.config(), 3, 0.2f);
        LoraMethod lora = new LoraMethod(LoraAdapter.create(w, LORA, 5));
        assertThat(trainsAny(lora, extras(w))).isFalse();
        assertLearns(train(lora, 12));
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void sparseLoraLearnsWithTheSvdPredictor(Shape shape) {
        LlamaWeights w = LlamaInit.random(shape.config(), 3, 0.2f);
        SvdPredictor svd = new SvdPredictor(SvdEstimator.build(w, 4), GqaMapping.HEAD_CONSISTENT);
        SparsityPlan plan = new SparsityPlan(new double[] {0, 0.5, 0.5}, new double[] {0, 0.5, 0.5}, 0);
        SparseLoraMethod m = new SparseLoraMethod(LoraAdapter.create(w, LORA, 5),
                new SparseLoraMethod.Settings(plan, svd, BaseGradient.EXACT, 4, FfnScoring.MEAN, "test"), "test-base");
        assertThat(trainsAny(m, extras(w))).isFalse();
        assertLearns(train(m, 12));
    }

    @ParameterizedTest
    @EnumSource(Shape.class)
    void fullFineTuningTrainsBiasesAndNormsToo(Shape shape) {
        LlamaWeights w = LlamaInit.random(shape.config(), 3, 0.2f);
        FullFineTuning full = new FullFineTuning(w);
        assertThat(trainsAny(full, extras(w))).isEqualTo(shape != Shape.LLAMA3);
        assertLearns(train(full, 12));
    }

    /** A trained adapter merged into the base gives the logits of the unmerged graph, biases and norms included. */
    @ParameterizedTest
    @EnumSource(Shape.class)
    void mergedEqualsUnmerged(Shape shape) {
        LlamaWeights w = LlamaInit.random(shape.config(), 3, 0.2f);
        LoraAdapter adapter = LoraAdapter.create(w, LORA, 5);
        train(new LoraMethod(adapter), 3);
        adapter.eval();
        int[] tokens = {1, 5, 9, 13, 2, 7};
        Tensor merged = new LlamaInference(adapter.merged()).newSession().prefill(tokens);
        Tensor base = new LlamaInference(w).newSession().prefill(tokens);
        LlamaModel model = LlamaModel.of(w, adapter.parts());
        int[] targets = {-1, -1, -1, -1, -1, -1};
        TokenBatch batch = new TokenBatch(1, tokens.length, tokens, targets, new int[] {tokens.length});
        Tensor graph = Tape.noGrad(() -> model.logits(model.hidden(batch, 0), new int[] {0, 1, 2, 3, 4, 5})).value();
        assertThat(maxAbsDiff(merged, base)).as("training moved the logits").isGreaterThan(1e-3);
        assertThat(maxAbsDiff(merged, graph)).isLessThan(1e-4);
    }

    private static double maxAbsDiff(Tensor a, Tensor b) {
        float[] x = a.toArray(), y = b.toArray();
        double max = 0;
        for (int i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i] - y[i]));
        return max;
    }
}
