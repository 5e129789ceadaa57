package org.sparselora4j.models.llama;

import org.sparselora4j.autograd.LinearOps;
import org.sparselora4j.autograd.Var;
import org.sparselora4j.tensor.Backend;
import org.sparselora4j.tensor.Tensor;

import java.util.List;

/**
 * A projection in the training graph: y = x · Wᵀ, x (n, inFeatures) → y (n, outFeatures). The model's blocks
 * call their seven projections through this interface; LoRA wraps a frozen one ({@code LoraLinear}).
 */
public interface Linear {
    int inFeatures();

    int outFeatures();

    Var forward(Var x);

    /** The trainable variables this projection owns (none for a frozen weight). */
    List<Var> parameters();

    /**
     * A low-rank term s·x·Aᵀ·Bᵀ read from the projection's input x itself: its factor A (r, in) and scale s. Several
     * projections of one input then make their down-projections s·x·Aᵀ in one pass over x ({@link #forwardAll}).
     */
    record LowRankDown(Var a, float scale) {
    }

    /** This projection's {@link LowRankDown}, or null when it has none (a frozen or plain weight, LoRA with dropout on). */
    default LowRankDown lowRankDown() {
        return null;
    }

    /** {@link #forward(Var)} given its down-projection u = s·x·Aᵀ made elsewhere; only where {@link #lowRankDown()} is not null. */
    default Var forward(Var x, Var u) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no low-rank term");
    }

    /**
     * The down-projections u_i = s_i·x·A_iᵀ of the projections of one input x that have a {@link LowRankDown}, in one
     * pass over x when two or more do (null for the others).
     */
    static Var[] downAll(Var x, Linear... projections) {
        Var[] u = new Var[projections.length];
        LowRankDown[] d = new LowRankDown[projections.length];
        int shared = 0;
        for (int i = 0; i < projections.length; i++) if ((d[i] = projections[i].lowRankDown()) != null) shared++;
        if (shared == 0) return u;
        Var[] as = new Var[shared];
        float[] scales = new float[shared];
        for (int i = 0, j = 0; i < projections.length; i++) {
            if (d[i] == null) continue;
            as[j] = d[i].a();
            scales[j++] = d[i].scale();
        }
        Var[] parts = shared == 1 ? new Var[] {LinearOps.lowRankDown(x, as[0], scales[0])} : LinearOps.lowRankDownShared(x, as, scales);
        for (int i = 0, j = 0; i < projections.length; i++) if (d[i] != null) u[i] = parts[j++];
        return u;
    }

    /** forward(x) of each projection, their down-projections made together ({@link #downAll}). */
    static Var[] forwardAll(Var x, Linear... projections) {
        Var[] u = downAll(x, projections);
        Var[] y = new Var[projections.length];
        for (int i = 0; i < projections.length; i++) y[i] = u[i] == null ? projections[i].forward(x) : projections[i].forward(x, u[i]);
        return y;
    }

    /** A plain projection over {@code weight} (out, in): trainable if the Var requires a gradient. */
    static Linear of(Var weight) {
        return new Plain(weight);
    }

    /** A frozen projection on the Vector API kernels: no gradient is ever computed for the weight. */
    static Linear frozen(Tensor weight) {
        return frozen(weight, Backend.cpu());
    }

    /** A frozen projection whose products (x·Wᵀ forward, dy·W backward) run on {@code backend}. */
    static Linear frozen(Tensor weight, Backend backend) {
        return new Frozen(Var.constant(weight), backend);
    }

    /** y = x · Wᵀ over a constant weight, on a backend that may keep the weight on its device. */
    record Frozen(Var weight, Backend backend) implements Linear {
        public Frozen {
            if (weight.requiresGrad()) throw new IllegalArgumentException("a frozen projection needs a constant weight, got a trainable " + weight.shape());
        }

        @Override
        public int inFeatures() {
            return weight.cols();
        }

        @Override
        public int outFeatures() {
            return weight.rows();
        }

        @Override
        public Var forward(Var x) {
            return LinearOps.linear(x, weight, backend);
        }

        @Override
        public List<Var> parameters() {
            return List.of();
        }
    }

    /** y = x · Wᵀ. */
    record Plain(Var weight) implements Linear {
        @Override
        public int inFeatures() {
            return weight.cols();
        }

        @Override
        public int outFeatures() {
            return weight.rows();
        }

        @Override
        public Var forward(Var x) {
            return LinearOps.linear(x, weight);
        }

        @Override
        public List<Var> parameters() {
            return weight.requiresGrad() ? List.of(weight) : List.of();
        }
    }
}
