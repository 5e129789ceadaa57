package org.sparselora4j.sparse;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sparselora4j.autograd.GradCheck;
import org.sparselora4j.autograd.Tape;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.lora.LoraLinear;
import org.sparselora4j.models.llama.AttentionBlock;
import org.sparselora4j.models.llama.AttentionInputs;
import org.sparselora4j.models.llama.ForwardContext;
import org.sparselora4j.models.llama.Linear;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class SparseAttentionTest {
    private record Attn(LlamaConfig c, Linear wq, Linear wk, Linear wv, Linear wo, List<Var> params) {
        AttentionBlock.Dense dense() {
            return new AttentionBlock.Dense(c, wq, wk, wv, wo);
        }

        SparseAttention sparse(AttentionChannels ch, BaseGradient g) {
            double[] attn = new double[c.layers()];
            attn[0] = 0.5;
            return new SparseAttention(0, c, wq, wk, wv, wo, AttentionInputs.plain(c), new SparsityPlan(new double[c.layers()], attn, 0), new FixedChannels(null, ch), g);
        }
    }

    /** q and o LoRA-wrapped, k and v frozen (both kinds of projection in one block). */
    private static Attn attention(LlamaConfig c, long seed, boolean allWrapped) {
        SplittableRandom r = new SplittableRandom(seed);
        int dim = c.dim(), kv = c.kvDim();
        Linear wq = Fixtures.lora(r, dim, dim, 2);
        Linear wk = allWrapped ? Fixtures.lora(r, kv, dim, 2) : Fixtures.frozen(r, kv, dim);
        Linear wv = allWrapped ? Fixtures.lora(r, kv, dim, 2) : Fixtures.frozen(r, kv, dim);
        Linear wo = Fixtures.lora(r, dim, dim, 2);
        List<Var> params = new ArrayList<>();
        for (Linear l : List.of(wq, wk, wv, wo)) params.addAll(l.parameters());
        return new Attn(c, wq, wk, wv, wo, params);
    }

    private static final TokenBatch SMALL_BATCH = Fixtures.batch(5, new int[] {5, 4}, new int[] {3, 2}, Fixtures.SMALL.vocabSize());

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void gradientsOfTheSparseAttentionWithTokenSplitAreExact(boolean allWrapped) {
        Attn a = attention(Fixtures.SMALL, 1, allWrapped);
        // 8 channels in 2 heads of 4: keep some in each head.
        AttentionChannels ch = new AttentionChannels(Index.of(0, 2, 5, 6), Index.of(0, 2, 5, 6), Index.of(1, 3, 4), Index.of(1, 3, 4));
        SparseAttention block = a.sparse(ch, BaseGradient.EXACT);
        Var x = Var.parameter(Tensor.randn(new SplittableRandom(2), 1f, SMALL_BATCH.rows(), Fixtures.SMALL.dim()));
        ForwardContext ctx = Fixtures.context(Fixtures.SMALL, SMALL_BATCH, 0);
        List<Var> inputs = new ArrayList<>(a.params());
        inputs.add(x);
        GradCheck.assertGradients(() -> block.forward(x, ctx), inputs.toArray(Var[]::new));
    }

    /**
     * One sequence whose last positions carry the losses: the groups are rows [0, 4) and [4, 7), which the block
     * runs in one tensor per projection (GroupedLinearOps); exact gradients, and every channel kept is the dense
     * attention.
     */
    @Test
    void gradientsAreExactWhenTheGroupsAreRunsOfRows() {
        LlamaConfig c = Fixtures.GQA;
        Attn a = attention(c, 9, true);
        TokenBatch batch = new TokenBatch(1, 7, new int[] {3, 1, 4, 1, 5, 9, 2}, new int[] {-1, -1, -1, -1, 9, 2, 6}, new int[] {7});
        assertThat(TokenSplit.of(batch).sparseFirst()).isEqualTo(4);
        AttentionChannels ch = new SeededChannels(c, 10).attention(0, null, batch, 0.5);
        Var x = Var.parameter(Tensor.randn(new SplittableRandom(11), 1f, batch.rows(), c.dim()));
        ForwardContext ctx = Fixtures.context(c, batch, 0);
        List<Var> inputs = new ArrayList<>(a.params());
        inputs.add(x);
        GradCheck.assertGradients(() -> a.sparse(ch, BaseGradient.EXACT).forward(x, ctx), inputs.toArray(Var[]::new));
        AttentionChannels all = new AttentionChannels(Index.all(c.dim()), Index.all(c.kvDim()), Index.all(c.kvDim()), Index.all(c.dim()));
        Var xc = Var.constant(x.value());
        Tensor dense = a.dense().forward(xc, ctx).value();
        Tensor sparse = a.sparse(all, BaseGradient.EXACT).forward(xc, ctx).value();
        assertThat(sparse.data()).containsExactly(dense.data(), within(1e-5f));
        // The same values as the split path, which the detached base gradient takes.
        Tensor grouped = a.sparse(ch, BaseGradient.EXACT).forward(xc, ctx).value();
        Tensor split = a.sparse(ch, BaseGradient.DETACHED).forward(xc, ctx).value();
        assertThat(grouped.data()).containsExactly(split.data(), within(1e-5f));
    }

    @Test
    void keepingEveryChannelIsTheDenseAttentionWithGqa() {
        LlamaConfig c = Fixtures.GQA;
        Attn a = attention(c, 3, true);
        TokenBatch batch = Fixtures.batch(7, new int[] {7, 5, 6}, new int[] {4, 1, 5}, c.vocabSize());
        AttentionChannels all = new AttentionChannels(Index.all(c.dim()), Index.all(c.kvDim()), Index.all(c.kvDim()), Index.all(c.dim()));
        Var x = Var.constant(Tensor.randn(new SplittableRandom(4), 1f, batch.rows(), c.dim()));
        ForwardContext ctx = Fixtures.context(c, batch, 0);
        Tensor dense = a.dense().forward(x, ctx).value();
        Tensor sparse = a.sparse(all, BaseGradient.EXACT).forward(x, ctx).value();
        for (int i = 0; i < dense.size(); i++) assertThat(sparse.data()[i]).isCloseTo(dense.data()[i], within(1e-5f));
    }

    @Test
    void detachedBaseGradientChangesInputGradientsButNotTheOutputProjectionsLora() {
        LlamaConfig c = Fixtures.GQA;
        Attn a = attention(c, 5, true);
        TokenBatch batch = Fixtures.batch(7, new int[] {7, 6}, new int[] {4, 3}, c.vocabSize());
        AttentionChannels ch = new SeededChannels(c, 6).attention(0, null, batch, 0.5);
        Tensor x0 = Tensor.randn(new SplittableRandom(7), 1f, batch.rows(), c.dim());
        Tensor seed = Tensor.randn(new SplittableRandom(8), 1f, batch.rows(), c.dim());
        Grads exact = grads(a, a.sparse(ch, BaseGradient.EXACT), x0, seed, batch);
        Grads detached = grads(a, a.sparse(ch, BaseGradient.DETACHED), x0, seed, batch);
        // Forward values are the same; only the backward differs. (Equal to float rounding, not bit for bit: the JIT
        // may sum vector lanes in another order between the two runs once it has compiled a kernel.)
        assertThat(detached.y).containsExactly(exact.y, within(1e-5f));
        assertThat(maxDiff(exact.dx, detached.dx)).isGreaterThan(1e-3);
        LoraLinear wo = (LoraLinear) a.wo();
        int aO = a.params().indexOf(wo.a()), bO = a.params().indexOf(wo.b());
        assertThat(detached.params.get(aO)).containsExactly(exact.params.get(aO), within(1e-5f));
        assertThat(detached.params.get(bO)).containsExactly(exact.params.get(bO), within(1e-5f));
        // q's LoRA sees the attention gradient, which lost the sparse tokens' Wo base path.
        int aQ = a.params().indexOf(((LoraLinear) a.wq()).a());
        assertThat(maxDiff(exact.params.get(aQ), detached.params.get(aQ))).isGreaterThan(1e-4);
        // Dense tokens' input gradients are untouched only where nothing sparse feeds them: none here (attention
        // mixes tokens), so just check the detached gradient is still finite and non-zero.
        assertThat(maxDiff(detached.dx, new float[detached.dx.length])).isGreaterThan(0);
    }

    private record Grads(float[] y, float[] dx, List<float[]> params) {
    }

    private static Grads grads(Attn a, SparseAttention block, Tensor x0, Tensor seed, TokenBatch batch) {
        Var x = Var.parameter(x0.copy());
        Tape.zeroGrad(a.params());
        Var y = block.forward(x, Fixtures.context(a.c(), batch, 0));
        float[] yv = y.value().copy().data();
        Tape.backward(y, seed, false);
        List<float[]> p = new ArrayList<>();
        for (Var v : a.params()) p.add(v.grad().copy().data());
        return new Grads(yv, x.grad().copy().data(), p);
    }

    private static double maxDiff(float[] u, float[] v) {
        double m = 0;
        for (int i = 0; i < u.length; i++) m = Math.max(m, Math.abs(u[i] - v[i]));
        return m;
    }
}
