package org.sparselora4j.autograd;

import org.sparselora4j.tensor.Tensor;

/** Gradient clipping by the global L2 norm over a set of parameters, as {@code torch.nn.utils.clip_grad_norm_}. */
public final class GradClip {
    private GradClip() {
    }

    /** sqrt(Σ over parameters and elements of grad²), in double; parameters without a gradient count as 0. */
    public static double globalNorm(Iterable<Var> params) {
        double sum = 0;
        for (Var p : params) {
            Tensor g = p.grad();
            if (g == null) continue;
            float[] d = g.data();
            for (int i = g.offset(), end = g.offset() + g.size(); i < end; i++) sum += (double) d[i] * d[i];
        }
        return Math.sqrt(sum);
    }

    /**
     * Scales every gradient by maxNorm / (norm + 1e-6) when the global norm exceeds maxNorm, and returns the norm
     * before clipping. A NaN or infinite norm means some gradient is not finite: the gradients are then left as
     * they are and the caller should skip the step ({@code Double.isFinite(norm)} is the check).
     */
    public static double clipGlobalNorm(Iterable<Var> params, double maxNorm) {
        if (!(maxNorm > 0)) throw new IllegalArgumentException("maxNorm must be positive: " + maxNorm);
        double norm = globalNorm(params);
        if (!Double.isFinite(norm)) return norm;
        double coef = maxNorm / (norm + 1e-6);
        if (coef >= 1) return norm;
        float c = (float) coef;
        for (Var p : params) {
            Tensor g = p.grad();
            if (g == null) continue;
            float[] d = g.data();
            for (int i = g.offset(), end = g.offset() + g.size(); i < end; i++) d[i] *= c;
        }
        return norm;
    }
}
