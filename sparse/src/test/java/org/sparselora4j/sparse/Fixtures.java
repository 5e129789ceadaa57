package org.sparselora4j.sparse;

import org.sparselora4j.autograd.Var;
import org.sparselora4j.lora.Dropout;
import org.sparselora4j.lora.LoraLinear;
import org.sparselora4j.models.llama.ForwardContext;
import org.sparselora4j.models.llama.Linear;
import org.sparselora4j.models.llama.LlamaConfig;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.Tensor;
import org.sparselora4j.tensor.kernel.Rope;

import java.util.SplittableRandom;

/** Tiny shapes and random parts for the sparse tests. */
final class Fixtures {
    /** dim 16, hidden 24, 4 query heads over 2 kv heads (GQA), 3 layers. */
    static final LlamaConfig GQA = new LlamaConfig(16, 24, 3, 4, 2, 40, 32, 10000, Rope.Style.INTERLEAVED, 1e-5f, true);
    /** dim 8, hidden 12, 2 heads, no GQA, 2 layers: small enough for finite differences of every element. */
    static final LlamaConfig SMALL = new LlamaConfig(8, 12, 2, 2, 2, 20, 16, 10000, Rope.Style.INTERLEAVED, 1e-5f, true);

    private Fixtures() {
    }

    static Tensor randn(SplittableRandom r, float std, int rows, int cols) {
        return Tensor.randn(r, std, rows, cols);
    }

    /** A LoRA-wrapped projection with random (non-zero) A and B, so that every gradient is non-trivial. */
    static LoraLinear lora(SplittableRandom r, int out, int in, int rank) {
        return new LoraLinear(randn(r, 0.3f, out, in), Var.parameter(randn(r, 0.3f, rank, in)), Var.parameter(randn(r, 0.3f, out, rank)), 2f, new Dropout(0f, 0));
    }

    static Linear frozen(SplittableRandom r, int out, int in) {
        return Linear.frozen(randn(r, 0.3f, out, in));
    }

    /**
     * batch rows of seqLen positions: row b has length lengths[b] (right padding) and targets on positions
     * [labelFrom[b], lengths[b] − 1).
     */
    static TokenBatch batch(int seqLen, int[] lengths, int[] labelFrom, int vocab) {
        int bs = lengths.length;
        int[] tokens = new int[bs * seqLen], targets = new int[bs * seqLen];
        java.util.Arrays.fill(targets, -1);
        for (int b = 0; b < bs; b++) {
            for (int t = 0; t < lengths[b]; t++) tokens[b * seqLen + t] = (7 * b + 3 * t + 1) % vocab;
            for (int t = labelFrom[b]; t < lengths[b] - 1; t++) targets[b * seqLen + t] = tokens[b * seqLen + t + 1];
        }
        return new TokenBatch(bs, seqLen, tokens, targets, lengths);
    }

    static ForwardContext context(LlamaConfig c, TokenBatch batch, long step) {
        return ForwardContext.of(batch, new Rope(c.headSize(), c.maxSeqLen(), c.ropeTheta(), c.ropeStyle()), step);
    }
}
