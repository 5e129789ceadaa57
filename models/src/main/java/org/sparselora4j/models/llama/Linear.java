package org.sparselora4j.models.llama;

import org.sparselora4j.autograd.LinearOps;
import org.sparselora4j.autograd.Var;
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

    /** A plain projection over {@code weight} (out, in): trainable if the Var requires a gradient. */
    static Linear of(Var weight) {
        return new Plain(weight);
    }

    /** A frozen projection: no gradient is ever computed for the weight. */
    static Linear frozen(Tensor weight) {
        return new Plain(Var.constant(weight));
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
