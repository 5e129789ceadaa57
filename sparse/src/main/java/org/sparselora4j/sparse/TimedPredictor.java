package org.sparselora4j.sparse;

import org.sparselora4j.autograd.Tape;
import org.sparselora4j.models.llama.TokenBatch;
import org.sparselora4j.tensor.Index;
import org.sparselora4j.tensor.Tensor;

/**
 * A {@link ChannelPredictor} that runs another one without recording a graph and keeps, for the step's
 * summary, the time it took (nanoseconds, summed until {@link #resetTime}) and the channels it last picked for
 * each layer (the kept widths that the FLOP count uses).
 */
public final class TimedPredictor implements ChannelPredictor {
    private final ChannelPredictor inner;
    private final Index[] lastFfn;
    private final AttentionChannels[] lastAttention;
    private long nanos;
    private long calls;

    public TimedPredictor(ChannelPredictor inner, int layers) {
        this.inner = inner;
        this.lastFfn = new Index[layers];
        this.lastAttention = new AttentionChannels[layers];
    }

    public ChannelPredictor inner() {
        return inner;
    }

    @Override
    public Index ffn(int layer, Tensor x, TokenBatch batch, double sparsity) {
        long t0 = System.nanoTime();
        Index idx = Tape.noGrad(() -> inner.ffn(layer, x, batch, sparsity));
        nanos += System.nanoTime() - t0;
        calls++;
        lastFfn[layer] = idx;
        return idx;
    }

    @Override
    public AttentionChannels attention(int layer, Tensor x, TokenBatch batch, double sparsity) {
        long t0 = System.nanoTime();
        AttentionChannels ch = Tape.noGrad(() -> inner.attention(layer, x, batch, sparsity));
        nanos += System.nanoTime() - t0;
        calls++;
        lastAttention[layer] = ch;
        return ch;
    }

    /** Time spent predicting since the last reset, in nanoseconds. */
    public long nanos() {
        return nanos;
    }

    /** Predictions made since the last reset. */
    public long calls() {
        return calls;
    }

    public void resetTime() {
        nanos = 0;
        calls = 0;
    }

    /** The FFN channels last picked for {@code layer}, or null before its first sparse step. */
    public Index lastFfn(int layer) {
        return lastFfn[layer];
    }

    /** The attention channels last picked for {@code layer}, or null before its first sparse step. */
    public AttentionChannels lastAttention(int layer) {
        return lastAttention[layer];
    }
}
