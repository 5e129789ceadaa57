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
