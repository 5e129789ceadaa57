package org.sparselora4j.sparse;

import org.sparselora4j.autograd.AttentionOps;
import org.sparselora4j.autograd.Ops;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.models.llama.AttentionBlock;
import org.sparselora4j.models.llama.AttentionInputs;
import org.sparselora4j.models.llama.ForwardContext;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.Linear;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.Index;

import java.util.List;

/**
 * SparseLoRA's attention half (METHODS.md 1.5, 1.13): at a sparse step of a layer with attention sparsity
 * s &gt; 0 the predictor picks the channels once for the batch; the dense token group runs the ordinary
 * projections (base + LoRA); the sparse group runs q, k and v as the frozen base on the kept output rows,
 * scattered back to full width (zero elsewhere), plus the dense LoRA branch, and o as the frozen base on the
 * kept input columns plus the dense LoRA branch. Q, K and V are re-joined in token order before RoPE and
 * attention, which run at full width (the attention kernel itself is not reduced; biases and q/k norms, where the
 * family has them, stay dense and frozen, added at full width); the attention output is
 * split again for o and the results re-joined. Otherwise it is exactly the dense attention.
 *
 * <p>With {@link BaseGradient#DETACHED} the sparse group's base path of each LoRA-wrapped projection sees a
 * detached input, as the reference's no-grad slicing does: no input gradient flows through it.
 */
public final class SparseAttention implements AttentionBlock {
    private final int layer;
    private final LlamaConfig config;
    private final AttentionInputs inputs;
    private final AttentionBlock.Dense dense;
    private final SplitLinear wq, wk, wv, wo;
    private final SparsityPlan plan;
    private final ChannelPredictor predictor;
    private final BaseGradient baseGradient;

    public SparseAttention(int layer, LlamaConfig config, Linear wq, Linear wk, Linear wv, Linear wo, AttentionInputs inputs,
                           SparsityPlan plan, ChannelPredictor predictor, BaseGradient baseGradient) {
        this.layer = layer;
        this.config = config;
        this.inputs = inputs;
        this.dense = new AttentionBlock.Dense(config, wq, wk, wv, wo, inputs);
        this.wq = SplitLinear.of(wq, layer, "q");
        this.wk = SplitLinear.of(wk, layer, "k");
        this.wv = SplitLinear.of(wv, layer, "v");
        this.wo = SplitLinear.of(wo, layer, "o");
        this.plan = plan;
        this.predictor = predictor;
        this.baseGradient = baseGradient;
    }

    @Override
    public Var forward(Var x, ForwardContext ctx) {
        double sparsity = plan.attention(layer, ctx.step());
        if (sparsity == 0) return dense.forward(x, ctx);
        TokenSplit split = TokenSplit.of(ctx.batch());
        if (split.sparse().length == 0) return dense.forward(x, ctx);
        AttentionChannels ch = predictor.attention(layer, x.value(), ctx.batch(), sparsity);
        int ns = split.sparseFirst();
        if (ns > 0 && baseGradient == BaseGradient.EXACT) return grouped(x, ns, ch, ctx);
        Var xs = split.sparseRows(x);
        Var xd = split.dense().length == 0 ? null : split.denseRows(x);
        Var q = split.join(rows(wq, xs, ch.q()), xd == null ? null : wq.dense().forward(xd));
        Var k = split.join(rows(wk, xs, ch.k()), xd == null ? null : wk.dense().forward(xd));
        Var v = split.join(rows(wv, xs, ch.v()), xd == null ? null : wv.dense().forward(xd));
        q = inputs.query(q, ctx);
        k = inputs.key(k, ctx);
        v = inputs.value(v);
        TokenBatch b = ctx.batch();
        Var a = AttentionOps.attention(q, k, v, b.batchSize(), b.seqLen(), config.heads(), config.kvHeads(), ctx.valid());
        Var as = split.sparseRows(a);
        Var os = wo.baseColsPlusLora(baseInput(wo, as), ch.o(), false, as);
        return split.join(os, xd == null ? null : wo.dense().forward(split.denseRows(a)));
    }

    /**
     * {@link #forward} where the sparse group is rows [0, ns) and the dense group the rest: each projection runs
     * both groups into one tensor (no row split or join), the LoRA down-projections of q, k and v in one pass over
     * every row.
     */
    private Var grouped(Var x, int ns, AttentionChannels ch, ForwardContext ctx) {
        Var[] u = Linear.downAll(x, wq.dense(), wk.dense(), wv.dense());
        Var q = inputs.query(wq.rowsThenDense(x, ns, ch.q(), u[0]), ctx);
        Var k = inputs.key(wk.rowsThenDense(x, ns, ch.k(), u[1]), ctx);
        Var v = inputs.value(wv.rowsThenDense(x, ns, ch.v(), u[2]));
        TokenBatch b = ctx.batch();
        Var a = AttentionOps.attention(q, k, v, b.batchSize(), b.seqLen(), config.heads(), config.kvHeads(), ctx.valid());
        return wo.colsThenDense(a, ns, ch.o());
    }

    /** The sparse group of a row-sliced projection: scatter(xs·W[idx]ᵀ) to full width, plus its LoRA branch. */
    private Var rows(SplitLinear p, Var xs, Index idx) {
        return p.scatterPlusLora(p.baseRows(baseInput(p, xs), idx), idx, xs);
    }

    private Var baseInput(SplitLinear p, Var x) {
        return baseGradient == BaseGradient.DETACHED && p.adapted() ? Ops.detach(x) : x;
    }

    @Override
    public List<Var> parameters() {
        return dense.parameters();
    }
}
