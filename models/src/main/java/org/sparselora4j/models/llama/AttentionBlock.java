package org.sparselora4j.models.llama;

import org.sparselora4j.autograd.AttentionOps;
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

    /**
     * softmax(q · kᵀ / √d, causal, padding masked) · v, then · Woᵀ, where q, k and v are x·Wᵀ through the
     * block's {@link AttentionInputs} (biases, q/k norms, RoPE).
     */
    record Dense(LlamaConfig config, Linear wq, Linear wk, Linear wv, Linear wo, AttentionInputs inputs) implements AttentionBlock {
        /** LLaMA 2's block: no biases, no q/k norms. */
        public Dense(LlamaConfig config, Linear wq, Linear wk, Linear wv, Linear wo) {
            this(config, wq, wk, wv, wo, AttentionInputs.plain(config));
        }

        @Override
        public Var forward(Var x, ForwardContext ctx) {
            Var[] qkv = Linear.forwardAll(x, wq, wk, wv);
            Var q = inputs.query(qkv[0], ctx);
            Var k = inputs.key(qkv[1], ctx);
            Var v = inputs.value(qkv[2]);
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
            p.addAll(inputs.parameters());
            return p;
        }
    }
}
