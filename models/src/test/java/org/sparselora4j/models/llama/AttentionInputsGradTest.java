package org.sparselora4j.models.llama;

import org.junit.jupiter.api.Test;
import org.sparselora4j.autograd.GradCheck;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Rope;

import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Finite-difference check of the attention half with every family part on: q/k/v biases, per-head q/k RMSNorm,
 * a head size other than dim / heads, llama3-scaled RoPE; input, projections, biases and norm weights.
 */
class AttentionInputsGradTest {
    @Test
    void attentionWithBiasesAndQkNormHasExactGradients() {
        Architecture arch = new Architecture(Family.QWEN3, 4, true, true, new RopeScaling.Llama3(4, 1, 4, 4));
        LlamaConfig c = new LlamaConfig(6, 8, 1, 2, 1, 10, 8, 10000, Rope.Style.HALF_SPLIT, 1e-5f, true, arch);
        SplittableRandom r = new SplittableRandom(7);
        Var x = param(r, 3, 6);
        Var wq = param(r, 8, 6), wk = param(r, 4, 6), wv = param(r, 4, 6), wo = param(r, 6, 8);
        Var bq = param(r, 8), bk = param(r, 4), bv = param(r, 4);
        Var qn = param(r, 4), kn = param(r, 4);
        AttentionInputs inputs = new AttentionInputs(Optional.of(new AttentionInputs.Bias(bq, bk, bv)),
                Optional.of(new AttentionInputs.QkNorm(qn, kn)), c);
        AttentionBlock.Dense block = new AttentionBlock.Dense(c, Linear.of(wq), Linear.of(wk), Linear.of(wv), Linear.of(wo), inputs);
        TokenBatch batch = new TokenBatch(1, 3, new int[] {1, 2, 3}, new int[] {2, 3, -1}, new int[] {3});
        ForwardContext ctx = ForwardContext.of(batch, c.newRope(), 0);
        GradCheck.assertGradients(() -> block.forward(x, ctx), x, wq, wk, wv, wo, bq, bk, bv, qn, kn);
    }

    private static Var param(SplittableRandom r, int... dims) {
        return Var.parameter(Tensor.randn(r, 0.7f, dims));
    }
}
