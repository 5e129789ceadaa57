package org.sparselora4j.lora;

import org.sparselora4j.models.llama.Target;

import java.util.EnumSet;
import java.util.Set;

/**
 * The settings of a LoRA adapter: y = x·Wᵀ + (alpha / rank) · dropout(x)·Aᵀ·Bᵀ on each targeted projection.
 *
 * @param rank    r, the inner dimension of A (r, in) and B (out, r)
 * @param alpha   the scale numerator; the update is multiplied by alpha / rank
 * @param dropout probability of zeroing an input element on the LoRA path while training, in [0, 1)
 * @param targets which projections of every block get an adapter
 */
public record LoraConfig(int rank, float alpha, float dropout, Set<Target> targets) {
    public LoraConfig {
        if (rank < 1) throw new IllegalArgumentException("LoRA rank must be at least 1, got " + rank);
        if (!(alpha > 0) || !Float.isFinite(alpha)) throw new IllegalArgumentException("LoRA alpha must be positive, got " + alpha);
        if (!(dropout >= 0 && dropout < 1)) throw new IllegalArgumentException("LoRA dropout must be in [0, 1), got " + dropout);
        if (targets.isEmpty()) throw new IllegalArgumentException("LoRA needs at least one target projection");
        targets = Set.copyOf(EnumSet.copyOf(targets));
    }

    /** Rank 8, alpha 16, no dropout, on all seven projections. */
    public static LoraConfig defaults() {
        return new LoraConfig(8, 16, 0f, EnumSet.allOf(Target.class));
    }

    public float scale() {
        return alpha / rank;
    }

    public LoraConfig withTargets(Set<Target> t) {
        return new LoraConfig(rank, alpha, dropout, t);
    }
}
