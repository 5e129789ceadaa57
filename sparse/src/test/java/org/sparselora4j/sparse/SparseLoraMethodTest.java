package org.sparselora4j.sparse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sparselora4j.autograd.AdamW;
import org.sparselora4j.autograd.Tape;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.lora.LoraAdapter;
import org.sparselora4j.lora.LoraConfig;
import org.sparselora4j.lora.LoraLinear;
import org.sparselora4j.lora.run.LoraMethod;
import org.sparselora4j.lora.run.StepFlops;
import org.sparselora4j.lora.run.TrainingMethod;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaInit;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.Index;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SparseLoraMethodTest {
    private static final LlamaConfig C = Fixtures.GQA;
    private static final LoraConfig LORA = new LoraConfig(4, 8, 0f, EnumSet.allOf(Target.class));
    private static final TokenBatch BATCH = Fixtures.batch(10, new int[] {10, 8, 9}, new int[] {6, 4, 7}, C.vocabSize());

    private static LlamaWeights weights() {
        return LlamaInit.random(C, 11, 0.2f);
    }

    private static SparseLoraMethod sparse(LlamaWeights w, SparsityPlan plan, ChannelPredictor predictor, BaseGradient g) {
        return sparse(w, plan, predictor, g, FfnScoring.MEAN);
    }

    private static SparseLoraMethod sparse(LlamaWeights w, SparsityPlan plan, ChannelPredictor predictor, BaseGradient g, FfnScoring scoring) {
        return new SparseLoraMethod(LoraAdapter.create(w, LORA, 5), new SparseLoraMethod.Settings(plan, predictor, g, 8, scoring, "test"), "test-base");
    }

    /** Losses of {@code steps} AdamW steps on one batch. */
    private static List<Float> train(TrainingMethod m, int steps) {
        AdamW adam = new AdamW(m.parameters(), AdamW.Config.defaults());
        List<Float> losses = new ArrayList<>();
        for (int s = 0; s < steps; s++) {
            m.beginStep(s);
            Tape.zeroGrad(m.parameters());
            Var loss = m.model().loss(BATCH, s);
            Tape.backward(loss);
            adam.step(1e-2);
            losses.add(loss.value().get(0));
        }
        return losses;
    }

    /**
     * The dense code path runs, so the losses are dense LoRA's bit for bit once the JIT has settled; before that
     * the engine itself reproduces a run only to float rounding (a Vector API lane reduction may sum in another
     * order interpreted than compiled), hence the 1e-6 relative bound.
     */
    @Test
    void allZeroRatiosAndWarmUpStepsAreDenseLora() {
        LlamaWeights w = weights();
        List<Float> lora = train(new LoraMethod(LoraAdapter.create(w, LORA, 5)), 4);
        List<Float> zero = train(sparse(w, SparsityPlan.dense(C.layers()), new SeededChannels(C, 1), BaseGradient.EXACT), 4);
        List<Float> warm = train(sparse(w, SparsityPlan.uniform(C.layers(), 0.5, 4).withWarmupSteps(4), new SeededChannels(C, 1), BaseGradient.EXACT), 4);
        List<Float> sparse = train(sparse(w, new SparsityPlan(new double[] {0, 0.5, 0.5}, new double[] {0, 0.5, 0.5}, 2), new SeededChannels(C, 1), BaseGradient.EXACT), 4);
        for (int i = 0; i < lora.size(); i++) {
            float tolerance = 1e-6f * Math.abs(lora.get(i));
            assertThat(zero.get(i)).as("all ratios 0, step %d", i).isCloseTo(lora.get(i), within(tolerance));
            assertThat(warm.get(i)).as("warm-up step %d", i).isCloseTo(lora.get(i), within(tolerance));
            if (i < 2) assertThat(sparse.get(i)).as("warm-up step %d", i).isCloseTo(lora.get(i), within(tolerance));
        }
        assertThat(Math.abs(sparse.get(2) - lora.get(2))).isGreaterThan(1e-4f);
    }

    @Test
    void keepingEveryChannelInEveryLayerMatchesDenseLoraToRounding() {
        LlamaWeights w = weights();
        AttentionChannels all = new AttentionChannels(Index.all(C.dim()), Index.all(C.kvDim()), Index.all(C.kvDim()), Index.all(C.dim()));
        List<Float> lora = train(new LoraMethod(LoraAdapter.create(w, LORA, 5)), 3);
        SparsityPlan everywhere = new SparsityPlan(new double[] {0.5, 0.5, 0.5}, new double[] {0.5, 0.5, 0.5}, 0);
        List<Float> sparse = train(sparse(w, everywhere, new FixedChannels(Index.all(C.hiddenDim()), all), BaseGradient.EXACT), 3);
        for (int i = 0; i < lora.size(); i++) assertThat(sparse.get(i)).isCloseTo(lora.get(i), within(1e-5f));
    }

    @Test
    void detachedBaseGradientKeepsLoraGradientsAfterTheLastSparseAttentionAndChangesThoseBefore() {
        LlamaWeights w = weights();
        SparsityPlan plan = new SparsityPlan(new double[3], new double[] {0, 0.5, 0}, 0);
        SparseLoraMethod exact = sparse(w, plan, new SeededChannels(C, 3), BaseGradient.EXACT);
        SparseLoraMethod detached = sparse(w, plan, new SeededChannels(C, 3), BaseGradient.DETACHED);
        for (SparseLoraMethod m : List.of(exact, detached)) {
            Tape.zeroGrad(m.parameters());
            Tape.backward(m.model().loss(BATCH, 0));
        }
        // The same gradients up to the order in which the two graphs accumulate them (float rounding).
        assertThat(maxDiff(grad(detached, 1, Target.O), grad(exact, 1, Target.O))).isLessThan(1e-6);
        assertThat(maxDiff(grad(detached, 1, Target.DOWN), grad(exact, 1, Target.DOWN))).isLessThan(1e-6);
        assertThat(maxDiff(grad(detached, 2, Target.Q), grad(exact, 2, Target.Q))).isLessThan(1e-6);
        // Layer 1's q LoRA sees an attention gradient without the sparse tokens' Wo base path; layer 0 sees a
        // different residual gradient.
        assertThat(maxDiff(grad(detached, 1, Target.Q), grad(exact, 1, Target.Q))).isGreaterThan(1e-4);
        assertThat(maxDiff(grad(detached, 0, Target.V), grad(exact, 0, Target.V))).isGreaterThan(1e-4);
    }

    private static double maxDiff(float[] u, float[] v) {
        double m = 0;
        for (int i = 0; i < u.length; i++) m = Math.max(m, Math.abs(u[i] - v[i]));
        return m;
    }

    private static float[] grad(SparseLoraMethod m, int layer, Target t) {
        LoraLinear l = m.adapter().layer(layer, t);
        return l.b().grad().copy().data();
    }

    @Test
    void flopsCountTheGatheredWidthsOfTheSparseTokens() {
        LlamaWeights w = weights();
        SparseLoraMethod dense = sparse(w, SparsityPlan.dense(C.layers()), new SeededChannels(C, 1), BaseGradient.EXACT);
        double lora = StepFlops.lora(C, LORA, BATCH).total();
        assertThat(dense.flops(BATCH, 0)).isEqualTo(lora);
        assertThat(dense.flopRatio(BATCH, 0)).isEqualTo(1.0);

        // FFN of layer 1 at 0.5: hidden 24 keeps 12. Sparse rows: positions outside [4, 9) of 3 rows of 10 = 15.
        SparseLoraMethod ffn = sparse(w, new SparsityPlan(new double[] {0, 0.5, 0}, new double[3], 0), new SeededChannels(C, 1), BaseGradient.EXACT);
        double saved = 3 * 2.0 * 15 * C.dim() * 12 * 2;  // gate, up, down; forward and input gradient
        double predictor = 2 * 2.0 * 3 * 8 * (C.dim() + C.hiddenDim());
        SparseFlops.Count count = ffn.count(BATCH, 0);
        assertThat(count.step().total()).isEqualTo(lora - saved);
        assertThat(count.predictor()).isEqualTo(predictor);
        assertThat(ffn.flops(BATCH, 0)).isEqualTo(lora - saved + predictor);
        assertThat(ffn.describe().get("flop_ratio")).isEqualTo((lora - saved + predictor) / lora);
        assertThat(TokenSplit.of(BATCH).sparse()).hasSize(15);
    }

    @Test
    void tokenScoringCountsTheFfnPredictorOnEveryRowInsteadOfTheSequenceMeans() {
        LlamaWeights w = weights();
        SparsityPlan plan = new SparsityPlan(new double[] {0, 0.5, 0}, new double[3], 0);
        SparseLoraMethod mean = sparse(w, plan, new SeededChannels(C, 1), BaseGradient.EXACT, FfnScoring.MEAN);
        SparseLoraMethod tokens = sparse(w, plan, new SeededChannels(C, 1), BaseGradient.EXACT, FfnScoring.TOKENS);
        // One sparse FFN layer, rank 8: gate and up, each 2·rows·dim·r + 2·rows·r·hidden; rows = B = 3 or B·T = 30.
        assertThat(mean.count(BATCH, 0).predictor()).isEqualTo(2 * (2.0 * 3 * C.dim() * 8 + 2.0 * 3 * 8 * C.hiddenDim()));
        assertThat(tokens.count(BATCH, 0).predictor()).isEqualTo(2 * (2.0 * 30 * C.dim() * 8 + 2.0 * 30 * 8 * C.hiddenDim()));
        // The base and LoRA work does not depend on how the channels were scored.
        assertThat(tokens.count(BATCH, 0).step().total()).isEqualTo(mean.count(BATCH, 0).step().total());
        assertThat(mean.describe()).containsEntry("ffn_scoring", "mean");
        assertThat(tokens.describe()).containsEntry("ffn_scoring", "tokens");
    }

    @Test
    void settingsThatDisagreeWithTheSvdPredictorsScoringAreRefused() {
        LlamaWeights w = weights();
        SvdPredictor svd = new SvdPredictor(SvdEstimator.build(w, 2), GqaMapping.HEAD_CONSISTENT, FfnScoring.TOKENS);
        SparsityPlan plan = SparsityPlan.uniform(C.layers(), 0.5, 0);
        assertThatThrownBy(() -> new SparseLoraMethod.Settings(plan, svd, BaseGradient.EXACT, 2, FfnScoring.MEAN, "svd"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("FFN scoring mean does not match the SVD predictor's tokens");
        assertThat(new SparseLoraMethod.Settings(plan, svd, BaseGradient.EXACT, 2, FfnScoring.TOKENS, "svd").ffnScoring()).isEqualTo(FfnScoring.TOKENS);
    }

    @Test
    void savesTheSameAdapterFolderAsLora(@TempDir Path dir) throws Exception {
        SparseLoraMethod m = sparse(weights(), SparsityPlan.uniform(C.layers(), 0.5, 0), new SeededChannels(C, 1), BaseGradient.EXACT);
        m.save(dir);
        assertThat(Files.list(dir.resolve(LoraMethod.ADAPTER_DIR)).map(p -> p.getFileName().toString())).contains("adapter_config.json", "adapter_model.safetensors");
        assertThat(m.describe()).containsEntry("method", "sparselora").containsEntry("sparsity", "ffn=1:0.5,attn=1:0.5");
    }
}
