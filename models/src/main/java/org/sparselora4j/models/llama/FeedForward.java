package org.sparselora4j.models.llama;

import org.sparselora4j.autograd.Ops;
import org.sparselora4j.autograd.Var;

import java.util.ArrayList;
import java.util.List;

/**
 * The FFN half of a decoder block, on normalized input x (B·T, dim) → (B·T, dim). The dense SwiGLU version is
 * here; SparseLoRA supplies one that keeps only chosen intermediate channels.
 */
public interface FeedForward {
    Var forward(Var x, ForwardContext ctx);

    List<Var> parameters();

    /**
     * The FFN on rows that all carry a loss (the last block's labelled rows, {@code LlamaModel}'s row cut): x holds
     * those rows only, not the batch's B·T. The dense FFN is row by row, so this is {@link #forward}; a sparse FFN
     * runs such rows dense.
     */
    default Var forwardOnLabelled(Var x, ForwardContext ctx) {
        return forward(x, ctx);
    }

    /**
     * (SiLU(x·Wgateᵀ) ⊙ x·Wupᵀ) · Wdownᵀ. The SwiGLU product is not kept for backward: it is recomputed from
     * gate and up (kept for SwiGLU's own backward) when the down projection's backward reads it.
     */
    record Dense(Linear gate, Linear up, Linear down) implements FeedForward {
        @Override
        public Var forward(Var x, ForwardContext ctx) {
            Var[] gu = Linear.forwardAll(x, gate, up);
            Var g = gu[0], u = gu[1];
            Var h = Ops.swiglu(g, u);
            Var y = down.forward(h);
            Ops.recomputeSwigluLater(h, g, u);
            return y;
        }

        @Override
        public List<Var> parameters() {
            List<Var> p = new ArrayList<>(gate.parameters());
            p.addAll(up.parameters());
            p.addAll(down.parameters());
            return p;
        }
    }
}
