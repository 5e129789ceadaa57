package org.sparselora4j.sparse.losa;

import org.sparselora4j.autograd.LinearOps;
import org.sparselora4j.autograd.Ops;
import org.sparselora4j.autograd.Tape;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.models.llama.AttentionBlock;
import org.sparselora4j.models.llama.AttentionInputs;
import org.sparselora4j.models.llama.FeedForward;
import org.sparselora4j.models.llama.ForwardContext;
import org.sparselora4j.models.llama.LayerWeights;
import org.sparselora4j.models.llama.Linear;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.LlamaWeights;
import org.sparselora4j.models.llama.Target;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Rope;

import java.util.ArrayList;
import java.util.List;

/**
 * The model one decoder block at a time, for calibration: no tape, no KV cache, whole sequences at once. It
 * reuses the training graph's half-blocks ({@link AttentionBlock.Dense}, {@link FeedForward.Dense}) with frozen
 * projections under {@link Tape#noGrad}, so the arithmetic is the model's own; a block can report what each of
 * its seven projections reads ({@link ChannelNorms}).
 * <pre>
 *   h = x + attention(rmsnorm(x));  out = h + ffn(rmsnorm(h))
 * </pre>
 */
public final class BlockForward {
    private final LlamaConfig config;
    private final Rope rope;

    public BlockForward(LlamaConfig config) {
        this.config = config;
        this.rope = config.newRope();
    }

    /** Token embeddings of every chunk: (b·T, dim) each. */
    public List<Tensor> embed(LlamaWeights w, Calibration calibration) {
        checkLength(calibration);
        List<Tensor> out = new ArrayList<>();
        for (TokenBatch chunk : calibration.chunks()) {
            out.add(Tape.noGrad(() -> Ops.embedding(Var.constant(w.tokenEmbedding()), chunk.tokens()).value()));
        }
        return out;
    }

    /** One block over every chunk: the outputs, one (b·T, dim) tensor per chunk. */
    public List<Tensor> block(LayerWeights w, Calibration calibration, List<Tensor> inputs) {
        List<Tensor> out = new ArrayList<>();
        for (int c = 0; c < inputs.size(); c++) out.add(block(w, calibration.chunks().get(c), inputs.get(c), null));
        return out;
    }

    /** {@link #block(LayerWeights, Calibration, List)} that also adds each projection's inputs to {@code stats}. */
    public List<Tensor> block(LayerWeights w, Calibration calibration, List<Tensor> inputs, ChannelNorms stats) {
        List<Tensor> out = new ArrayList<>();
        for (int c = 0; c < inputs.size(); c++) out.add(block(w, calibration.chunks().get(c), inputs.get(c), stats));
        return out;
    }

    /** Logits (rows, vocab) from a last hidden state: the final norm and the classifier. */
    public Tensor logits(LlamaWeights w, Tensor hidden) {
        return Tape.noGrad(() -> LinearOps.linear(Ops.rmsnorm(Var.constant(hidden), Var.constant(w.finalNorm()), config.normEps()),
                Var.constant(w.classifier())).value());
    }

    private Tensor block(LayerWeights w, TokenBatch chunk, Tensor x, ChannelNorms stats) {
        return Tape.noGrad(() -> {
            ForwardContext ctx = ForwardContext.of(chunk, rope, 0);
            AttentionBlock attention = new AttentionBlock.Dense(config, linear(w, Target.Q, stats), linear(w, Target.K, stats),
                    linear(w, Target.V, stats), linear(w, Target.O, stats), AttentionInputs.of(w, config, false));
            FeedForward ffn = new FeedForward.Dense(linear(w, Target.GATE, stats), linear(w, Target.UP, stats), linear(w, Target.DOWN, stats));
            Var in = Var.constant(x);
            Var h = Ops.add(in, attention.forward(Ops.rmsnorm(in, Var.constant(w.attnNorm()), config.normEps()), ctx));
            return Ops.add(h, ffn.forward(Ops.rmsnorm(h, Var.constant(w.ffnNorm()), config.normEps()), ctx)).value();
        });
    }

    private static Linear linear(LayerWeights w, Target target, ChannelNorms stats) {
        Linear frozen = Linear.frozen(target.weight(w));
        return stats == null ? frozen : new Recording(frozen, target, stats);
    }

    private void checkLength(Calibration calibration) {
        if (calibration.seqLen() > config.maxSeqLen()) {
            throw new IllegalArgumentException("calibration sequences of " + calibration.seqLen() + " tokens exceed the model's context of " + config.maxSeqLen());
        }
    }

    /** A frozen projection that adds the squares of what it reads to the block's statistics. */
    private record Recording(Linear inner, Target target, ChannelNorms stats) implements Linear {
        @Override
        public int inFeatures() {
            return inner.inFeatures();
        }

        @Override
        public int outFeatures() {
            return inner.outFeatures();
        }

        @Override
        public Var forward(Var x) {
            stats.record(target, x.value());
            return inner.forward(x);
        }

        @Override
        public List<Var> parameters() {
            return List.of();
        }
    }
}
