package org.sparselora4j.lora;

import org.sparselora4j.autograd.Var;
import org.sparselora4j.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * Inverted dropout on the LoRA path: while training, each element is zeroed with probability p and the rest are
 * scaled by 1/(1−p); otherwise the identity. The random stream is re-derived from (seed, step) at every step, so a
 * resumed run draws exactly the masks an uninterrupted one would.
 */
public final class Dropout {
    private final float p;
    private final long seed;
    private SplittableRandom random;
    private boolean training;

    public Dropout(float p, long seed) {
        if (!(p >= 0 && p < 1)) throw new IllegalArgumentException("dropout must be in [0, 1), got " + p);
        this.p = p;
        this.seed = seed;
    }

    /** Enables dropout for the given optimizer step. */
    public void train(long step) {
        training = true;
        random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + step);
    }

    /** Disables dropout (evaluation). */
    public void eval() {
        training = false;
    }

    /** True when {@link #apply} returns its input itself (evaluation, or p = 0). */
    public boolean isIdentity() {
        return !training || p == 0f;
    }

    public Var apply(Var x) {
        if (!training || p == 0f) return x;
        int n = x.value().size();
        float keep = 1f - p;
        float[] mask = new float[n];
        for (int i = 0; i < n; i++) mask[i] = random.nextDouble() < p ? 0f : 1f / keep;
        Tensor m = Tensor.of(mask, x.rows(), x.cols());
        return org.sparselora4j.autograd.Ops.mul(x, Var.constant(m));
    }
}
