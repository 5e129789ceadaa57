package org.sparselora4j.sparse;

import org.sparselora4j.autograd.LinearOps;
import org.sparselora4j.autograd.Ops;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.models.llama.FeedForward;
import org.sparselora4j.models.llama.ForwardContext;
import org.sparselora4j.models.llama.Linear;
import org.sparselora4j.tensor.Index;

import java.util.List;

/**
 * SparseLoRA's FFN half (METHODS.md 1.5, 1.13): at a sparse step of a layer with FFN sparsity s &gt; 0 the
 * predictor picks k = floor(hidden·(1−s)) channels once for the batch; the dense token group runs the ordinary
 * SwiGLU FFN (base + LoRA), the sparse group runs the frozen base on those channels only:
 * <pre>  h = SiLU(x·Wgate[idx]ᵀ) ⊙ (x·Wup[idx]ᵀ)   (n, k)      y = h · Wdown[:, idx]ᵀ   (n, dim)</pre>
 * and the groups are re-joined in token order. Otherwise (warm-up, s = 0, no sparse token) it is exactly the
 * dense FFN.
 *
 * <p>LoRA on the FFN ("base sliced, LoRA dense", as the reference's Unsloth path): a LoRA-wrapped gate or up
 * keeps its LoRA branch dense on every channel, so when gate or up is wrapped the sparse group works at full
 * width: gate = scatter(x·Wgate[idx]ᵀ) + lora_gate(x), likewise up, h = SiLU(gate) ⊙ up over all channels
 * (a channel outside idx carries SiLU(lora_gate) ⊙ lora_up, the LoRA-only value, as a non-kept q channel
 * does), and down = h[:, idx]·Wdown[:, idx]ᵀ + lora_down(h). When only down is wrapped, its LoRA branch reads
 * the compact h scattered to full width (zero outside idx). With idx = every channel both are the dense LoRA
 * FFN. The FFN's gradients are always exact (the reference computes them sliced too).
 */
public final class SparseFeedForward implements FeedForward {
    private final int layer;
    private final FeedForward.Dense dense;
    private final SplitLinear gate, up, down;
    private final SparsityPlan plan;
    private final ChannelPredictor predictor;

    public SparseFeedForward(int layer, Linear gate, Linear up, Linear down, SparsityPlan plan, ChannelPredictor predictor) {
        this.layer = layer;
        this.dense = new FeedForward.Dense(gate, up, down);
        this.gate = SplitLinear.of(gate, layer, "gate");
        this.up = SplitLinear.of(up, layer, "up");
        this.down = SplitLinear.of(down, layer, "down");
        this.plan = plan;
        this.predictor = predictor;
    }

    @Override
    public Var forward(Var x, ForwardContext ctx) {
        double sparsity = plan.ffn(layer, ctx.step());
        if (sparsity == 0) return dense.forward(x, ctx);
        TokenSplit split = TokenSplit.of(ctx.batch());
        if (split.sparse().length == 0) return dense.forward(x, ctx);
        Index idx = predictor.ffn(layer, x.value(), ctx.batch(), sparsity);
        int ns = split.sparseFirst();
        if (ns > 0 && gate.adapted() && up.adapted()) return grouped(x, ns, idx);
        Var ys = sparse(split.sparseRows(x), idx);
        Var yd = split.dense().length == 0 ? null : dense.forward(split.denseRows(x), ctx);
        return split.join(ys, yd);
    }

    /** Rows that all carry a loss belong to the dense token group: the dense FFN, as {@link #forward} gives them. */
    @Override
    public Var forwardOnLabelled(Var x, ForwardContext ctx) {
        return dense.forward(x, ctx);
    }

    /**
     * {@link #forward} where the sparse group is rows [0, ns) and the dense group the rest, gate and up
     * LoRA-wrapped (so the sparse group works at full width, see the class comment): gate, up and down each run
     * both groups into one tensor (no row split or join, one LoRA down-projection over every row), SwiGLU once
     * over every row. Its product is kept for the down projection's backward (the split path kept the sparse
     * group's, 3/4 of the rows at 1x512/128; recomputing it as the dense FFN does cost ~1 ms a layer here).
     */
    private Var grouped(Var x, int ns, Index idx) {
        Var[] d = Linear.downAll(x, gate.dense(), up.dense());
        Var g = gate.rowsThenDense(x, ns, idx, d[0]), u = up.rowsThenDense(x, ns, idx, d[1]);
        Var h = Ops.swiglu(g, u);                                                  // (n, hidden)
        return down.colsThenDense(h, ns, idx);
    }

    /** The sparse group: xs (n, dim) → (n, dim) through the kept channels idx of the frozen FFN. */
    Var sparse(Var xs, Index idx) {
        int hidden = gate.outFeatures();
        Var g = gate.baseRows(xs, idx);
        Var u = up.baseRows(xs, idx);
        if (gate.adapted() || up.adapted()) {
            g = gate.scatterPlusLora(g, idx, xs);
            u = up.scatterPlusLora(u, idx, xs);
            Var h = Ops.swiglu(g, u);                                              // (n, hidden)
            return down.baseColsPlusLora(h, idx, false, h);
        }
        Var h = Ops.swiglu(g, u);                                                  // (n, k)
        Var y = down.baseCols(h, idx, true);
        return down.adapted() ? down.plusLora(y, LinearOps.scatterColumns(h, idx, hidden)) : y;
    }

    @Override
    public List<Var> parameters() {
        return dense.parameters();
    }
}
