package org.sparselora4j.models.llama;

import org.sparselora4j.autograd.Checkpoint;
import org.sparselora4j.autograd.LinearOps;
import org.sparselora4j.autograd.Ops;
import org.sparselora4j.autograd.RowOps;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.tensor.Backend;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Rope;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The LLaMA model as a differentiable graph, for training: embedding, decoder blocks, final norm, and the
 * classifier applied only at positions that carry a loss. How each projection and each half-block is built is
 * up to {@link Parts}: full fine-tuning makes every weight a parameter, LoRA wraps frozen projections,
 * SparseLoRA swaps in sparse attention and FFN halves.
 */
public final class LlamaModel {
    /** How a model is assembled from its weights. */
    public interface Parts {
        /** The projection for {@code target} of block {@code layer} over its (out, in) weight. */
        Linear linear(int layer, Target target, Tensor weight);

        /** Whether embedding, norms and classifier train (full fine-tuning) or stay frozen. */
        boolean trainsEmbeddingsAndNorms();

        /** Where a frozen classifier's products run: the backend of the frozen projections. */
        default Backend backend() {
            return Backend.cpu();
        }

        /** The attention half over the block's projections and its biases, q/k norms and RoPE ({@code inputs}). */
        default AttentionBlock attention(int layer, LlamaConfig config, Linear wq, Linear wk, Linear wv, Linear wo,
                                         AttentionInputs inputs) {
            return new AttentionBlock.Dense(config, wq, wk, wv, wo, inputs);
        }

        default FeedForward feedForward(int layer, LlamaConfig config, Linear gate, Linear up, Linear down) {
            return new FeedForward.Dense(gate, up, down);
        }
    }

    /** Every weight trains. */
    public static Parts fullFineTuning() {
        return new Parts() {
            @Override
            public Linear linear(int layer, Target target, Tensor weight) {
                return Linear.of(Var.parameter(weight));
            }

            @Override
            public boolean trainsEmbeddingsAndNorms() {
                return true;
            }
        };
    }

    /** Nothing trains (evaluation). */
    public static Parts frozen() {
        return frozen(Backend.cpu());
    }

    /** Nothing trains; the block projections run on {@code backend}. */
    public static Parts frozen(Backend backend) {
        return new Parts() {
            @Override
            public Linear linear(int layer, Target target, Tensor weight) {
                return Linear.frozen(weight, backend);
            }

            @Override
            public boolean trainsEmbeddingsAndNorms() {
                return false;
            }

            @Override
            public Backend backend() {
                return backend;
            }
        };
    }

    /** One decoder block: h = x + attention(norm(x)); out = h + ffn(norm(h)). */
    public record Block(Var attnNorm, AttentionBlock attention, Var ffnNorm, FeedForward ffn) {
        Var forward(Var x, ForwardContext ctx, float eps) {
            Var h = Ops.residual(x, attention.forward(Ops.rmsnorm(x, attnNorm, eps), ctx));
            return Ops.residual(h, ffn.forward(Ops.rmsnorm(h, ffnNorm, eps), ctx));
        }

        /**
         * The block's output at {@code rows} only (flattened positions that carry a loss), for the last block:
         * attention runs on every row (its keys and values are every position's), the FFN half on those rows
         * alone. Each row's FFN output depends on that row alone, so the result is the rows of
         * {@link #forward}, for rows.length / n of the FFN's work.
         */
        Var forwardAt(Var x, ForwardContext ctx, float eps, int[] rows) {
            Var h = RowOps.takeRows(Ops.add(x, attention.forward(Ops.rmsnorm(x, attnNorm, eps), ctx)), rows);
            return Ops.add(h, ffn.forwardOnLabelled(Ops.rmsnorm(h, ffnNorm, eps), ctx));
        }

        /** The block's trainable variables. */
        List<Var> parameters() {
            List<Var> p = new ArrayList<>();
            if (attnNorm.requiresGrad()) p.add(attnNorm);
            p.addAll(attention.parameters());
            if (ffnNorm.requiresGrad()) p.add(ffnNorm);
            p.addAll(ffn.parameters());
            return p;
        }
    }

    private final LlamaWeights weights;
    private final Var embedding;
    private final List<Block> blocks;
    private final Var finalNorm;
    private final Var classifier;
    private final Rope rope;
    private final Backend backend;
    private volatile boolean checkpointing;

    private LlamaModel(LlamaWeights weights, Var embedding, List<Block> blocks, Var finalNorm, Var classifier, Backend backend) {
        this.weights = weights;
        this.backend = backend;
        this.embedding = embedding;
        this.blocks = List.copyOf(blocks);
        this.finalNorm = finalNorm;
        this.classifier = classifier;
        LlamaConfig c = weights.config();
        this.rope = c.newRope();
    }

    /** Builds the training graph's parameters over {@code weights} (shared, not copied: training updates them). */
    public static LlamaModel of(LlamaWeights weights, Parts parts) {
        LlamaConfig c = weights.config();
        boolean train = parts.trainsEmbeddingsAndNorms();
        Var embedding = train ? Var.parameter(weights.tokenEmbedding()) : Var.constant(weights.tokenEmbedding());
        Var classifier = c.tiedClassifier() ? embedding
                : train ? Var.parameter(weights.classifier()) : Var.constant(weights.classifier());
        List<Block> blocks = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            LayerWeights w = weights.layers().get(l);
            Linear wq = parts.linear(l, Target.Q, w.wq());
            Linear wk = parts.linear(l, Target.K, w.wk());
            Linear wv = parts.linear(l, Target.V, w.wv());
            Linear wo = parts.linear(l, Target.O, w.wo());
            Linear gate = parts.linear(l, Target.GATE, w.gate());
            Linear up = parts.linear(l, Target.UP, w.up());
            Linear down = parts.linear(l, Target.DOWN, w.down());
            blocks.add(new Block(train ? Var.parameter(w.attnNorm()) : Var.constant(w.attnNorm()),
                    parts.attention(l, c, wq, wk, wv, wo, AttentionInputs.of(w, c, train)),
                    train ? Var.parameter(w.ffnNorm()) : Var.constant(w.ffnNorm()),
                    parts.feedForward(l, c, gate, up, down)));
        }
        Var finalNorm = train ? Var.parameter(weights.finalNorm()) : Var.constant(weights.finalNorm());
        return new LlamaModel(weights, embedding, blocks, finalNorm, classifier, parts.backend());
    }

    public LlamaConfig config() {
        return weights.config();
    }

    /**
     * With checkpointing each decoder block keeps only its input during the forward and recomputes its
     * activations in backward ({@link Checkpoint}), one block at a time: activation memory no longer grows with
     * depth, for about one more forward pass of the blocks. Chosen once, before training; returns this model.
     */
    public LlamaModel checkpointing(boolean on) {
        this.checkpointing = on;
        return this;
    }

    public boolean checkpointing() {
        return checkpointing;
    }

    /** The weights this model trains in place. */
    public LlamaWeights weights() {
        return weights;
    }

    public List<Block> blocks() {
        return blocks;
    }

    /** Every trainable variable, each once. */
    public List<Var> parameters() {
        List<Var> p = new ArrayList<>();
        addIfTrainable(p, embedding);
        for (Block b : blocks) {
            addIfTrainable(p, b.attnNorm());
            p.addAll(b.attention().parameters());
            addIfTrainable(p, b.ffnNorm());
            p.addAll(b.ffn().parameters());
        }
        addIfTrainable(p, finalNorm);
        if (classifier != embedding) addIfTrainable(p, classifier);
        return p;
    }

    private static void addIfTrainable(List<Var> list, Var v) {
        if (v.requiresGrad()) list.add(v);
    }

    /** The hidden state after the last block, for every position: (B·T, dim). */
    public Var hidden(TokenBatch batch, long step) {
        return hidden(batch, step, null);
    }

    /**
     * The hidden state after the last block at {@code rows} (flattened positions that carry a loss, in order),
     * or at every position when rows is null: (rows.length, dim). The last block's FFN runs on those rows only
     * ({@link Block#forwardAt}).
     */
    Var hidden(TokenBatch batch, long step, int[] rows) {
        LlamaConfig c = weights.config();
        batch.checkVocabulary(c.vocabSize());
        if (batch.seqLen() > c.maxSeqLen()) {
            throw new IllegalArgumentException("sequence of " + batch.seqLen() + " positions exceeds the model's context of " + c.maxSeqLen());
        }
        ForwardContext ctx = ForwardContext.of(batch, rope, step);
        Var x = Ops.embedding(embedding, batch.tokens());
        for (int l = 0; l < blocks.size(); l++) {
            Block block = blocks.get(l);
            UnaryOperator<Var> f = rows != null && l == blocks.size() - 1
                    ? in -> block.forwardAt(in, ctx, c.normEps(), rows)
                    : in -> block.forward(in, ctx, c.normEps());
            x = checkpointing ? Checkpoint.apply(x, f, block.parameters()) : f.apply(x);
        }
        return x;
    }

    /**
     * Logits (rows.length, vocab) at the batch's flattened positions that carry a loss ({@link TokenBatch#labelRows},
     * in order), with the last block's FFN run at those rows only: the rows of {@code logits(hidden(batch, step),
     * rows)}, for less work. (A sparse FFN runs such rows dense, as it runs every labelled row.)
     */
    public Var logits(TokenBatch batch, long step, int[] rows) {
        Var h = hidden(batch, step, everyRow(rows, batch.tokenCount()) ? null : rows);
        return LinearOps.linear(Ops.rmsnorm(h, finalNorm, weights.config().normEps()), classifier);
    }

    /** Whether rows is 0, 1, ..., n − 1. */
    private static boolean everyRow(int[] rows, int n) {
        if (rows.length != n) return false;
        for (int i = 0; i < n; i++) if (rows[i] != i) return false;
        return true;
    }

    /** Logits (rows.length, vocab) at the given flattened positions of a hidden state. */
    public Var logits(Var hidden, int[] rows) {
        Var h = RowOps.takeRows(hidden, rows);
        return LinearOps.linear(Ops.rmsnorm(h, finalNorm, weights.config().normEps()), classifier);
    }

    /**
     * Mean next-token cross-entropy over the positions with a target; logits are computed only there, by the
     * fused classifier and loss ({@link LinearOps#linearCrossEntropy}).
     */
    public Var loss(TokenBatch batch, long step) {
        return loss(batch, step, batch.labelCount());
    }

    /**
     * Summed cross-entropy over labelled positions divided by {@code normalizer} (the label count of all
     * micro-batches of one optimizer step, for gradient accumulation).
     */
    public Var loss(TokenBatch batch, long step, float normalizer) {
        int[] rows = batch.labelRows();
        if (rows.length == 0) throw new IllegalArgumentException("batch has no labelled positions");
        int[] targets = new int[rows.length];
        for (int i = 0; i < rows.length; i++) targets[i] = batch.targets()[rows[i]];
        // Every position labelled (the usual language-model batch): no row selection to copy and scatter back.
        Var h = hidden(batch, step, everyRow(rows, batch.tokenCount()) ? null : rows);
        Var normed = Ops.rmsnorm(h, finalNorm, weights.config().normEps());
        return classifier.requiresGrad() ? LinearOps.linearCrossEntropy(normed, classifier, targets, normalizer)
                : LinearOps.linearCrossEntropy(normed, classifier, targets, normalizer, backend);
    }
}
