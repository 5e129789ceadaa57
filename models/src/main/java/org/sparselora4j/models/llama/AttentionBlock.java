package org.sparselora4j.models.llama;

import org.sparselora4j.autograd.AttentionOps;
import org.sparselora4j.autograd.Ops;
import org.sparselora4j.autograd.Var;

import java.util.ArrayList;
import java.util.List;

/**
 * The attention half of a decoder block, on normalized input x (B·T, dim) → (B·T, dim). The dense version is
 * here; SparseLoRA supplies one that runs the frozen projections on chosen channels.
 */
public interface AttentionBlock {
    Var forward(Var x, ForwardContext ctx);

    List<Var> parameters();

    /** softmax(rope(x·Wqᵀ) · rope(x·Wkᵀ)ᵀ / √d, causal, padding masked) · (x·Wvᵀ), then · Woᵀ. */
    record Dense(LlamaConfig config, Linear wq, Linear wk, Linear wv, Linear wo) implements AttentionBlock {
        @Override
        public Var forward(Var x, ForwardContext ctx) {
            Var q = Ops.rope(wq.forward(x), ctx.rope(), ctx.positions());
            Var k = Ops.rope(wk.forward(x), ctx.rope(), ctx.positions());
            Var v = wv.forward(x);
            TokenBatch b = ctx.batch();
            Var a = AttentionOps.attention(q, k, v, b.batchSize(), b.seqLen(), config.heads(), config.kvHeads(), ctx.valid());
            return wo.forward(a);
        }

        @Override
        public List<Var> parameters() {
            List<Var> p = new ArrayList<>(wq.parameters());
            p.addAll(wk.parameters());
            p.addAll(wv.parameters());
            p.addAll(wo.parameters());
            return p;
        }
    }
}
