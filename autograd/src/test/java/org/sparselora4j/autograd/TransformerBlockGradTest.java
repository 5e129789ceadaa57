package org.sparselora4j.autograd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Rope;

/**
 * A whole LLaMA block composed from the ops, checked end to end by finite differences: embedding → rmsnorm →
 * q, k, v → rope → grouped-query attention with padding → o → residual → rmsnorm → gate, up → swiglu → down →
 * residual → final rmsnorm → lm head → cross-entropy with ignored positions.
 */
class TransformerBlockGradTest {
    private static final int DIM = 16, HEADS = 4, KV_HEADS = 2, HEAD = DIM / HEADS, FFN = 24, T = 5, B = 2, VOCAB = 11;
    private static final float EPS = 1e-5f;

    private final SplittableRandom random = new SplittableRandom(2024);
    private final Rope rope = new Rope(HEAD, 16, 10000.0, Rope.Style.HALF_SPLIT);
    // Sequence 1 is right-padded by two positions.
    private final boolean[] valid = {true, true, true, true, true, true, true, true, false, false};
    private final int[] positions = {0, 1, 2, 3, 4, 0, 1, 2, 3, 4};
    private final int[] tokens = {1, 5, 2, 9, 3, 4, 4, 7, 0, 0};
    // Next-token targets; the last position of each sequence and the padding are ignored (-1), as is a prompt token.
    private final int[] targets = {-1, 2, 9, 3, -1, 4, 7, -1, -1, -1};

    private final Var embed = weight(VOCAB, DIM);
    private final Var norm1 = norm(), norm2 = norm(), normOut = norm();
    private final Var wq = weight(DIM, DIM), wk = weight(KV_HEADS * HEAD, DIM), wv = weight(KV_HEADS * HEAD, DIM), wo = weight(DIM, DIM);
    private final Var gate = weight(FFN, DIM), up = weight(FFN, DIM), down = weight(DIM, FFN);
    private final Var head = weight(VOCAB, DIM);

    private Var weight(int out, int in) {
        return Var.parameter(Tensor.uniform(random, (float) (1.5 / Math.sqrt(in)), out, in));
    }

    private Var norm() {
        Tensor w = Tensor.zeros(DIM);
        for (int i = 0; i < DIM; i++) w.data()[i] = 1f + (float) (random.nextDouble() - 0.5) * 0.4f;
        return Var.parameter(w);
    }

    private Var block(Var x, Var wqUsed, Var wkUsed, Var wvUsed, Var woUsed) {
        Var xn = Ops.rmsnorm(x, norm1, EPS);
        Var q = Ops.rope(LinearOps.linear(xn, wqUsed), rope, positions);
        Var k = Ops.rope(LinearOps.linear(xn, wkUsed), rope, positions);
        Var v = LinearOps.linear(xn, wvUsed);
        Var att = AttentionOps.attention(q, k, v, B, T, HEADS, KV_HEADS, valid);
        Var h = Ops.add(x, LinearOps.linear(att, woUsed));
        Var hn = Ops.rmsnorm(h, norm2, EPS);
        Var ffn = LinearOps.linear(Ops.swiglu(LinearOps.linear(hn, gate), LinearOps.linear(hn, up)), down);
        return Ops.add(h, ffn);
    }

    private Var loss(Var y) {
        Var logits = LinearOps.linear(Ops.rmsnorm(y, normOut, EPS), head);
        return Ops.crossEntropy(logits, targets);
    }

    @Test
    void wholeBlockGradients() {
        List<Var> params = List.of(embed, norm1, wq, wk, wv, wo, norm2, gate, up, down, normOut, head);
        GradCheck.Report r = GradCheck.assertGradients(() -> loss(block(Ops.embedding(embed, tokens), wq, wk, wv, wo)), params.toArray(Var[]::new));
        assertThat(r.checked()).isGreaterThan(2000);
        // Padding tokens (id 0 appears only there) get no gradient into the embedding table.
        assertThat(embed.grad().row(0).toArray()).containsOnly(0f);
    }

    @Test
    void frozenBaseWithLoraGetsGradientsOnlyInAdapters() {
        // LoRA on q and v: w + B·A with frozen w; only A and B (and the input) train.
        Var wqFrozen = Var.constant(wq.value()), wvFrozen = Var.constant(wv.value());
        Var aq = Var.parameter(Tensor.uniform(random, 0.3f, 2, DIM)), bq = Var.parameter(Tensor.uniform(random, 0.3f, DIM, 2));
        Var av = Var.parameter(Tensor.uniform(random, 0.3f, 2, DIM)), bv = Var.parameter(Tensor.uniform(random, 0.3f, KV_HEADS * HEAD, 2));
        Var x = Var.parameter(Tensor.uniform(random, 1f, B * T, DIM));
        Var wkFrozen = Var.constant(wk.value()), woFrozen = Var.constant(wo.value());
        GradCheck.assertGradients(() -> {
            Var wqEff = Ops.add(wqFrozen, LinearOps.matmul(bq, aq));
            Var wvEff = Ops.add(wvFrozen, LinearOps.matmul(bv, av));
            return loss(block(x, wqEff, wkFrozen, wvEff, woFrozen));
        }, x, aq, bq, av, bv, wqFrozen, wvFrozen);
        assertThat(wqFrozen.grad()).isNull();
        assertThat(wkFrozen.grad()).isNull();
    }

    @Test
    void sparseFfnWithTokenSplit() {
        // SparseLoRA's FFN: context tokens through k of the FFN channels, output tokens dense, re-joined in order.
        Var x = Var.parameter(Tensor.uniform(random, 1f, B * T, DIM));
        Var gateF = Var.constant(gate.value()), upF = Var.constant(up.value()), downF = Var.constant(down.value());
        Index kept = Index.of(0, 3, 4, 8, 11, 15, 16, 20, 23);
        int[] sparseRows = {0, 1, 2, 5, 6, 8, 9}, denseRows = {3, 4, 7};
        GradCheck.assertGradients(() -> {
            Var xn = Ops.rmsnorm(x, norm2, EPS);
            Var xs = RowOps.takeRows(xn, sparseRows);
            Var ys = LinearOps.linearCols(Ops.swiglu(LinearOps.linearRows(xs, gateF, kept), LinearOps.linearRows(xs, upF, kept)), downF, kept, true);
            Var xd = RowOps.takeRows(xn, denseRows);
            Var yd = LinearOps.linear(Ops.swiglu(LinearOps.linear(xd, gateF), LinearOps.linear(xd, upF)), downF);
            Var y = Ops.add(x, RowOps.joinRows(new Var[] {ys, yd}, new int[][] {sparseRows, denseRows}, B * T));
            return loss(y);
        }, x, norm2, gateF, upF, downF);
        assertThat(downF.grad()).isNull();
    }
}
